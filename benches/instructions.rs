//! One engine case, run for `n` items: `instructions <case> <n>`. Driven by
//! `scripts/instructions.sh` under cachegrind, which takes `(Ir(2n) - Ir(n)) / n`.

mod cases;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: instructions <case> <n>   cases:");
        for (group, name, _) in cases::CASES {
            eprintln!("  {group}/{name}");
        }
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("n must be a number");
    let Some((_, _, run)) = cases::CASES
        .iter()
        .find(|(g, c, _)| format!("{g}/{c}") == name)
    else {
        eprintln!("unknown case {name}");
        std::process::exit(2);
    };
    let got = run(std::hint::black_box(n));
    assert_eq!(got, cases::expected(n), "{name} computed a wrong result");
    println!("{got}");
}
