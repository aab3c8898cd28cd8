use genpipe::prelude::*;

fn main() {
    yield_!(1);
}
