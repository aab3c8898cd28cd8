use genpipe::prelude::*;

// A `for` over a call to itself holds the sub-generator across a yield: the same advice.
#[generator]
fn countdown(n: u32) -> Gen<u32> {
    if n > 0 {
        yield_!(n);
        for x in countdown(n - 1) {
            yield_!(x);
        }
    }
}

fn main() {
    let _ = countdown(3) | count();
}
