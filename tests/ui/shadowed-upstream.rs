use genpipe::prelude::*;

// A binding that shadows the upstream's name is not silently read as the upstream.
#[generator]
fn shadow(input: impl Iterator<Item = u32>) -> Gen<u32> {
    let input = vec![1u32, 2];
    for x in input {
        yield_!(x);
    }
}

fn main() {
    let _ = pipe([1u32]) | shadow() | count();
}
