use genpipe::prelude::*;

#[generator]
fn later() -> Gen<u32> {
    let _f = async {
        yield_!(1);
    };
}

fn main() {
    let _ = later() | count();
}
