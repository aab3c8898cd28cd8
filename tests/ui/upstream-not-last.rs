// A stage's upstream must be its last parameter (`|` supplies it). With it first, `scale` is a
// producer taking an iterator, and the error after `|` says so.
use genpipe::prelude::*;

#[generator]
fn scale(input: impl Iterator<Item = u32>, factor: u32) -> Gen<u32> {
    for x in input {
        yield_!(x * factor);
    }
}

fn main() {
    let _ = pipe(0..3u32) | scale(pipe(0..3u32), 2) | count();
}
