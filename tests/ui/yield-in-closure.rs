use genpipe::prelude::*;

#[generator]
fn doubled(items: Vec<u32>) -> Gen<u32> {
    items.iter().for_each(|x| {
        yield_!(x * 2);
    });
}

fn main() {
    let _ = doubled(vec![1]) | count();
}
