use genpipe::prelude::*;

#[generator]
fn counted(input: impl Iterator<Item = u32>) -> Gen<u32, usize> {
    let mut n = 0;
    for x in input {
        n += 1;
        yield_!(x);
    }
    n
}

fn main() {
    let _ = pipe([1u32]) | counted() | count();
}
