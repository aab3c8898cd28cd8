//! What giving way costs a `Stream` on tokio's `current_thread` runtime, and so which budget
//! `Gen::into_stream` uses (`genpipe::stream::STREAM_BUDGET`): a hand-written range stream
//! that never gives way, one that gives way every 32 items (tokio-stream's choice) and every
//! 128, and `pipe(0..N).into_stream()`. Medians of 5 runs of 20 million items.
//!
//! ```text
//! cargo run --release --features full --example stream_budget
//! ```

use futures_core::Stream;
use genpipe::prelude::*;
use genpipe::stream::next;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// A range that gives way every `every` items (0: never).
struct Range {
    at: u64,
    end: u64,
    every: u64,
    left: u64,
}
impl Stream for Range {
    type Item = u64;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        if self.every > 0 {
            if self.left == 0 {
                self.left = self.every;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            self.left -= 1;
        }
        if self.at == self.end {
            return Poll::Ready(None);
        }
        self.at += 1;
        Poll::Ready(Some(self.at))
    }
}

fn main() {
    const N: u64 = 20_000_000;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let time = |name: &str, make: &dyn Fn() -> Pin<Box<dyn Stream<Item = u64>>>| {
        let mut runs = Vec::new();
        for _ in 0..5 {
            let mut s = make();
            let t = Instant::now();
            let sum = rt.block_on(async {
                let mut sum = 0u64;
                while let Some(x) = next(&mut s).await {
                    sum = sum.wrapping_add(x);
                }
                sum
            });
            runs.push(t.elapsed().as_secs_f64() * 1e9 / N as f64);
            std::hint::black_box(sum);
        }
        runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("{name:<40} {:.2} ns/item", runs[2]);
        runs[2]
    };
    let none = time("hand range, never yields", &|| {
        Box::pin(Range {
            at: 0,
            end: N,
            every: 0,
            left: 0,
        })
    });
    let y32 = time("hand range, yields every 32", &|| {
        Box::pin(Range {
            at: 0,
            end: N,
            every: 32,
            left: 32,
        })
    });
    let y128 = time("hand range, yields every 128", &|| {
        Box::pin(Range {
            at: 0,
            end: N,
            every: 128,
            left: 128,
        })
    });
    let g = time("pipe(0..N).into_stream() (budget 128)", &|| {
        Box::pin(pipe(0..N).into_stream())
    });
    println!(
        "a yield costs {:.0} ns; per item: {:.2} ns at 32, {:.2} ns at 128; into_stream over the hand range: {:.2}x",
        (y32 - none) * 32.0,
        y32 - none,
        y128 - none,
        g / y128
    );
}
