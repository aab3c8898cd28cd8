// async-stream #106 smuggled a `yield` out of its body in an `async` block made by a macro, and
// awaited it in another stream's body, which then yielded a `usize` as a `Box`. Here a block
// that borrows the body's handle cannot leave the body; one that moves a copy out panics when
// awaited in another body (tests/async_body.rs).
use std::future::Future;
use std::pin::Pin;

use genpipe::prelude::*;

macro_rules! asynk {
    ($e:expr) => {
        async { $e }
    };
}

#[generator]
async fn inner(smuggled: Pin<Box<dyn Future<Output = ()> + Send>>) -> AsyncGen<Box<u32>> {
    yield_!(Box::new(12345));
    smuggled.await;
}

#[generator]
async fn outer() -> AsyncGen<usize> {
    let yield_42 = asynk!(yield_!(42_usize));
    let _inner = inner(Box::pin(yield_42));
}

fn main() {
    let _ = outer();
}
