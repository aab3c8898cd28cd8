use genpipe::prelude::*;
use genpipe::sched::Task;

#[task]
fn worker() -> Task<u32> {
    yield_!(1);
    2
}

#[task]
fn bad_return() -> u32 {
    3
}

fn main() {
    let _ = worker();
    let _ = bad_return();
}
