// A cache that can hold nothing is a mistake, caught where it is written.
use genpipe::memoize;

#[memoize(capacity = 0)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(3);
}
