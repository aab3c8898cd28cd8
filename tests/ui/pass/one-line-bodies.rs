// One-line bodies compile without a warning (`unused_braces` was raised on the user's braces).
#![deny(warnings)]
use genpipe::prelude::*;

#[generator]
fn one() -> Gen<u32> { yield_!(1) }

#[generator]
fn same(input: impl Iterator<Item = u32>) -> Gen<u32> { for x in input { yield_!(x) } }

#[coro]
fn first() -> Coro<u32, Option<u32>> { recv!() }

#[task]
fn answer() -> genpipe::sched::Task<u32> { 42 }

fn main() {
    assert_eq!(one() | same() | count(), 1);
    let mut c = first();
    c.send(7).unwrap();
    assert_eq!(c.close(), Some(7));
    let _ = answer();
}
