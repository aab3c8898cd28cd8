//! Engine cases as a user's crate writes them: `genpipe-user-probe <group>/<case> <n>` prints
//! the case's result for `n` items. `scripts/instructions.sh` runs each under cachegrind
//! (instructions per item: `(Ir(2n) - Ir(n)) / n`) and checks that every case of a group prints
//! what its hand-written case prints.
//!
//! Unlike `benches/cases`, every generator here is used by several pipelines (and `triple`
//! twice in one), as in real code: that is what made LLVM outline bodies before they were
//! `#[inline(always)]`.

use std::hint::black_box;
use std::pin::pin;

use genpipe::io::{Line, lines_from};
use genpipe::prelude::*;

// ---- hand-written iterators: the baselines ----

struct Source {
    next: u64,
    end: u64,
}
impl Iterator for Source {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        if self.next == self.end {
            return None;
        }
        let x = self.next;
        self.next += 1;
        Some(black_box(x))
    }
}
struct Triple<I>(I);
impl<I: Iterator<Item = u64>> Iterator for Triple<I> {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        self.0.next().map(|x| x * 3)
    }
}
struct Even<I>(I);
impl<I: Iterator<Item = u64>> Iterator for Even<I> {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        loop {
            let x = self.0.next()?;
            if x % 2 == 0 {
                return Some(x);
            }
        }
    }
}
struct Windowed<I> {
    up: I,
    recent: Vec<u64>,
}
impl<I: Iterator<Item = u64>> Iterator for Windowed<I> {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        let x = self.up.next()?;
        if self.recent.len() == 4 {
            self.recent.remove(0);
        }
        self.recent.push(x);
        Some(x)
    }
}
/// The hand-written form of `spread`: two yield points and state carried across items.
struct Spread<I> {
    up: I,
    prev: u64,
    pending: Option<u64>,
}
impl<I: Iterator<Item = u64>> Iterator for Spread<I> {
    type Item = u64;
    #[inline]
    fn next(&mut self) -> Option<u64> {
        if let Some(x) = self.pending.take() {
            return Some(x);
        }
        let x = self.up.next()?;
        let prev = std::mem::replace(&mut self.prev, x);
        if x % 4 == 0 {
            self.pending = Some(prev);
            Some(x)
        } else {
            Some(x + prev)
        }
    }
}

fn hand_source(n: u64) -> Source {
    Source { next: 0, end: n }
}

// ---- the same as genpipe generators, each used by several pipelines ----

#[generator]
fn source(n: u64) -> Gen<u64> {
    for x in 0..n {
        yield_!(black_box(x));
    }
}

#[generator]
fn triple(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        yield_!(x * 3);
    }
}

#[generator]
fn even(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        if x % 2 == 0 {
            yield_!(x);
        }
    }
}

#[generator]
fn windowed(input: impl Iterator<Item = u64>) -> Gen<u64> {
    let mut recent = Vec::with_capacity(4);
    for x in input {
        if recent.len() == 4 {
            recent.remove(0);
        }
        recent.push(x);
        yield_!(x);
    }
}

#[generator]
fn spread(input: impl Iterator<Item = u64>) -> Gen<u64> {
    let mut prev = 0;
    for x in input {
        let last = std::mem::replace(&mut prev, x);
        if x % 4 == 0 {
            yield_!(x);
            yield_!(last);
        } else {
            yield_!(x + last);
        }
    }
}

#[generator]
fn pass_lines(input: impl Iterator<Item = Line>) -> Gen<Line> {
    for line in input {
        yield_!(line);
    }
}

#[coro]
fn summer() -> Coro<u64, u64> {
    let mut total = 0;
    while let Some(x) = recv!() {
        let t = x * 3;
        if t % 2 == 0 {
            total += t;
        }
    }
    total
}

// ---- the cases ----

fn chain_hand(n: u64) -> u64 {
    let mut total = 0;
    for x in Even(Triple(hand_source(n))) {
        total += x;
    }
    total
}

fn chain_genpipe(n: u64) -> u64 {
    source(n) | triple() | even() | sum()
}

fn chain_for_heap(n: u64) -> u64 {
    let mut total = 0;
    for x in source(n) | triple() | even() {
        total += x;
    }
    total
}

fn chain_for_pinned(n: u64) -> u64 {
    let mut total = 0;
    for x in pin!(source(n) | triple() | even()) {
        total += x;
    }
    total
}

fn chain_boxed(n: u64) -> u64 {
    (source(n) | triple() | even()).boxed() | sum()
}

fn push_closure(n: u64) -> u64 {
    let mut total = 0;
    let mut consume = |x: u64| {
        let t = x * 3;
        if t % 2 == 0 {
            total += t;
        }
    };
    for x in 0..n {
        consume(black_box(x));
    }
    total
}

fn push_coro(n: u64) -> u64 {
    let mut c = summer();
    for x in 0..n {
        c.send(black_box(x)).unwrap();
    }
    c.close()
}

fn vec_hand(n: u64) -> u64 {
    Even(Windowed {
        up: Triple(hand_source(n)),
        recent: Vec::with_capacity(4),
    })
    .sum()
}

fn vec_genpipe(n: u64) -> u64 {
    source(n) | triple() | windowed() | even() | sum()
}

fn spread_hand(n: u64) -> u64 {
    Even(Spread {
        up: Triple(hand_source(n)),
        prev: 0,
        pending: None,
    })
    .sum()
}

fn spread_genpipe(n: u64) -> u64 {
    source(n) | triple() | spread() | even() | sum()
}

fn twice_hand(n: u64) -> u64 {
    Even(Triple(Triple(hand_source(n)))).sum()
}

fn twice_genpipe(n: u64) -> u64 {
    source(n) | triple() | triple() | even() | sum()
}

fn chain_boxed_hand(n: u64) -> u64 {
    let chain: Box<dyn Iterator<Item = u64>> = Box::new(Even(Triple(hand_source(n))));
    chain.sum()
}

// ---- lines: ~50-byte log lines read from a reader ----

/// `n` log-like lines of 45-55 bytes: a block of 1024 different lines, made once, repeated (so
/// making the input costs a copy per line, the same in every case of the group).
fn log_text(n: u64) -> Vec<u8> {
    const METHODS: [&str; 4] = ["GET", "POST", "HEAD", "PUT"];
    let mut block = Vec::new();
    for i in 0..1024u64 {
        let line = format!(
            "10.0.0.{} - - \"{} /index/page{}.html\" 200 {}\n",
            i % 251,
            METHODS[(i % 4) as usize],
            i % 7,
            i * 37 % 99_991
        );
        block.extend_from_slice(line.as_bytes());
    }
    let mut text = Vec::with_capacity(n as usize * 56);
    let mut left = n as usize;
    while left > 0 {
        // The first `left` lines of the block, or all of it.
        let take = left.min(1024);
        let cut = if take == 1024 {
            block.len()
        } else {
            memchr::memchr_iter(b'\n', &block).nth(take - 1).unwrap() + 1
        };
        text.extend_from_slice(&block[..cut]);
        left -= take;
    }
    text
}

/// What every lines case computes: lines and bytes, folded into one number.
#[inline(always)]
fn tally(acc: u64, line: &[u8]) -> u64 {
    acc + 1 + ((line.len() as u64) << 20)
}

/// The hand-written baseline: a 64 KiB buffer refilled from the reader, a memchr loop over it,
/// the unterminated tail carried to the front.
fn lines_hand(n: u64) -> u64 {
    let text = log_text(n);
    let mut reader = black_box(&text[..]);
    let mut buf = vec![0u8; 64 * 1024];
    let (mut filled, mut acc) = (0, 0);
    loop {
        let read = std::io::Read::read(&mut reader, &mut buf[filled..]).unwrap();
        if read == 0 {
            if filled > 0 {
                acc = tally(acc, &buf[..filled]);
            }
            return acc;
        }
        filled += read;
        let mut pos = 0;
        while let Some(i) = memchr_newline(&buf[pos..filled]) {
            acc = tally(acc, &buf[pos..pos + i]);
            pos += i + 1;
        }
        buf.copy_within(pos..filled, 0);
        filled -= pos;
    }
}

#[inline(always)]
fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

fn lines_genpipe(n: u64) -> u64 {
    let text = log_text(n);
    (lines_from(black_box(&text[..])) | fold(0, |acc, line: Line| tally(acc, line.as_bytes()))).unwrap()
}

fn lines_map(n: u64) -> u64 {
    let text = log_text(n);
    (lines_from(black_box(&text[..]))
        | map(|line: Line| line)
        | fold(0, |acc, line: Line| tally(acc, line.as_bytes())))
    .unwrap()
}

fn lines_stage(n: u64) -> u64 {
    let text = log_text(n);
    (lines_from(black_box(&text[..]))
        | pass_lines()
        | fold(0, |acc, line: Line| tally(acc, line.as_bytes())))
    .unwrap()
}

fn lines_progress(n: u64) -> u64 {
    let text = log_text(n);
    (lines_from(black_box(&text[..]))
        | genpipe::io::progress()
        | fold(0, |acc, line: Line| tally(acc, line.as_bytes())))
    .unwrap()
}

// ---- async: each pair polled by the same driver ----

/// Sums a stream by polling it with a no-op waker: the driver costs the same for every case
/// (a `block_on_stream` would add ~340 instructions an item and hide the difference).
fn poll_sum<S: futures_core::Stream<Item = u64>>(stream: S) -> u64 {
    use std::task::{Context, Poll, Waker};
    let mut stream = pin!(stream);
    let mut cx = Context::from_waker(Waker::noop());
    let mut total = 0;
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(x)) => total += x,
            Poll::Ready(None) => return total,
            // A stream that gives way (genpipe's every 128 items) has woken itself.
            Poll::Pending => {}
        }
    }
}

/// The hand-written chain as a `Stream`, the way futures-lite makes one.
fn stream_futures_lite(n: u64) -> u64 {
    poll_sum(futures_lite::stream::iter(Even(Triple(hand_source(n)))))
}

/// The same chain of generators, as a `Stream` (`Gen::into_stream`).
fn stream_genpipe(n: u64) -> u64 {
    poll_sum((source(n) | triple() | even()).into_stream())
}

/// An async body that awaits a ready future and yields, per item: async-stream's `stream!`.
fn async_async_stream(n: u64) -> u64 {
    poll_sum(async_stream::stream! {
        for x in 0..n {
            let x = std::future::ready(black_box(x)).await;
            yield x * 3;
        }
    })
}

/// The same body as a `#[generator] async fn`.
#[generator]
async fn awaiting(n: u64) -> AsyncGen<u64> {
    for x in 0..n {
        let x = std::future::ready(black_box(x)).await;
        yield_!(x * 3);
    }
}

fn async_genpipe(n: u64) -> u64 {
    poll_sum(awaiting(n))
}

/// Every case: `group/name` and its function. The first case of a group is its baseline.
const CASES: &[(&str, fn(u64) -> u64)] = &[
    ("chain/hand", chain_hand),
    ("chain/genpipe", chain_genpipe),
    ("chain/for_heap", chain_for_heap),
    ("chain/for_pinned", chain_for_pinned),
    ("chain/boxed", chain_boxed),
    ("boxed/hand", chain_boxed_hand),
    ("boxed/genpipe", chain_boxed),
    ("lines/hand", lines_hand),
    ("lines/genpipe", lines_genpipe),
    ("lines/map", lines_map),
    ("lines/stage", lines_stage),
    ("lines/progress", lines_progress),
    ("push/closure", push_closure),
    ("push/coro", push_coro),
    ("vec/hand", vec_hand),
    ("vec/genpipe", vec_genpipe),
    ("spread/hand", spread_hand),
    ("spread/genpipe", spread_genpipe),
    ("twice/hand", twice_hand),
    ("twice/genpipe", twice_genpipe),
    ("stream/futures_lite", stream_futures_lite),
    ("stream/genpipe", stream_genpipe),
    ("async/async_stream", async_async_stream),
    ("async/genpipe", async_genpipe),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: genpipe-user-probe <case> <n>   cases:");
        for (name, _) in CASES {
            eprintln!("  {name}");
        }
        std::process::exit(2);
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("n must be a number, got {n:?}");
        std::process::exit(2);
    };
    let Some((_, run)) = CASES.iter().find(|(c, _)| *c == name) else {
        eprintln!("unknown case {name}");
        std::process::exit(2);
    };
    println!("{}", run(black_box(n)));
}
