use genpipe::prelude::*;

#[generator]
fn echo() -> Gen<u32> {
    while let Some(x) = recv!() {
        yield_!(x);
    }
}

fn main() {
    let _ = echo() | count();
}
