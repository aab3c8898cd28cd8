//! A generator: `countdown(n)` yields n, n-1, ..., 1, one at a time, on demand.
//!
//! `cargo run --example countdown -- 5`

use genpipe::prelude::*;

#[generator]
fn countdown(n: u32) -> Gen<u32> {
    println!("Starting to count from {n}");
    for i in (1..=n).rev() {
        yield_!(i);
    }
    println!("Done!");
}

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let mut c = countdown(n);
    println!("Nothing has run yet: generators are lazy");
    for i in &mut c {
        println!("Counting down {i}");
    }
}
