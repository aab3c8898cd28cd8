use genpipe::prelude::*;

#[generator]
async fn numbers() -> Gen<u32> {
    yield_!(1);
}

fn main() {
    let _ = numbers() | count();
}
