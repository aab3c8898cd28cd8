use genpipe::prelude::*;

#[generator]
fn doubled(input: impl Iterator<Item = u32>) -> Gen<u32> {
    for x in input.map(|x| x * 2) {
        yield_!(x);
    }
}

fn main() {
    let _ = pipe([1u32]) | doubled() | count();
}
