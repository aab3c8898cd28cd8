#![deny(unused_must_use)]
use genpipe::prelude::*;

#[coro]
fn printer() -> Coro<u8, ()> {
    while let Some(x) = recv!() {
        println!("{x}");
    }
}

fn main() {
    // Made and dropped: nothing was ever sent to them.
    count();
    printer();
}
