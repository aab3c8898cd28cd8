// A stage's outcome that is a path (so the macro cannot tell) but no `Result`: the type system
// says what a stage may return, at the signature.
use genpipe::prelude::*;

struct Tally(u32);

#[generator]
fn tallied(input: impl Iterator<Item = u32>) -> Gen<u32, Tally> {
    for x in input {
        yield_!(x);
    }
    Tally(0)
}

fn main() {
    let _ = tallied();
}
