//! A coroutine: values are pushed in with `send`, and `close` runs the closing code.
//! Beazley's countdown, inverted: the caller counts, the coroutine reacts.
//!
//! `cargo run --example countdown_coroutine`

use genpipe::prelude::*;

#[coro]
fn launcher() -> Coro<u32, &'static str> {
    while let Some(n) = recv!() {
        println!("T-minus {n}");
    }
    println!("Kaboom!");
    "launched"
}

fn main() {
    let mut rocket = launcher();
    for n in (1..=5).rev() {
        rocket.send(n).expect("the launcher takes every count");
    }
    let outcome = rocket.close();
    println!("({outcome})");
}
