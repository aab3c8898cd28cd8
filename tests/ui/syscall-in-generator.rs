use genpipe::prelude::*;
use genpipe::sched::Yield;

#[generator]
fn busy() -> Gen<u32> {
    syscall!(Yield);
    yield_!(1);
}

fn main() {
    let _ = busy();
}
