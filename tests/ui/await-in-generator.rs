// A real future awaited in a body would never be woken: a compile error, not a runtime panic.
use genpipe::prelude::*;

#[generator]
fn fetches(n: u32) -> Gen<u32> {
    for i in 0..n {
        let x = std::future::ready(i).await;
        yield_!(x);
    }
}

#[coro]
fn waits() -> Coro<u32, u32> {
    let mut total = 0;
    while let Some(x) = recv!() {
        total += async { x }.await;
    }
    total
}

fn main() {
    let _ = fetches(1);
    let _ = waits();
}
