use genpipe::prelude::*;

#[generator]
fn countdown(n: u32) -> Gen<u32> {
    for i in (1..=n).rev() {
        yield_!(i);
    }
}

#[generator]
fn evens(input: impl Iterator<Item = u32>) -> Gen<u32> {
    for x in input {
        if x % 2 == 0 {
            yield_!(x);
        }
    }
}

#[coro]
fn averager() -> Coro<f64, (), f64> {
    let (mut total, mut n) = (0.0, 0.0);
    let mut next = recv!();
    while let Some(x) = next {
        total += x;
        n += 1.0;
        next = recv!(total / n);
    }
}

#[test]
fn smoke() {
    assert_eq!(countdown(3).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(countdown(10) | evens() | sum(), 30);
    let mut a = averager();
    assert_eq!(a.ask(10.0).unwrap(), Some(10.0));
    assert_eq!(a.ask(20.0).unwrap(), Some(15.0));
    assert_eq!(pipe(1..=10u32) | (evens() | count()), 5);
}
