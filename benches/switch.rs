//! What a handoff costs, coroutine against thread against process: the numbers behind
//! `genpipe::par` batching its items and the scheduler keeping tasks on one thread.
//!
//! `cargo bench --bench switch`. Each case passes one value there and one back (a round trip):
//! - `coro ask`: a `#[coro]` receiving a value and answering it (`ask`);
//! - `gen pull`: one item pulled from a `#[generator]` (half a round trip, for scale);
//! - `thread blocking`: two threads ping-ponging over `sync_channel(0)` (each side sleeps in
//!   the kernel until the other wakes it: two context switches a round trip);
//! - `thread spinning`: the same over two atomics, both sides spinning (no sleep, no system
//!   call: the cost of moving a cache line between cores);
//! - `process pipe`: a child process (`cat`) echoing a byte over a pair of pipes;
//! - `sched yield`: a task's `syscall!(Yield)` through the scheduler's ready queue and back
//!   (two tasks taking turns, per switch);
//! - `sched get_tid`: a `syscall!(GetTid)` round trip;
//! - `greenlet pull`: one item pulled from a greenlet (a stack switch there and back).

use std::hint::black_box;
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use genpipe::prelude::*;
use genpipe::sched::{GetTid, Scheduler, Task, Yield};

#[task]
fn yields(n: u64) -> Task<()> {
    for _ in 0..n {
        syscall!(Yield);
    }
}

#[task]
fn asks_tid(n: u64) -> Task<u64> {
    let mut sum = 0;
    for _ in 0..n {
        sum += syscall!(GetTid).0;
    }
    sum
}

#[coro]
fn echo() -> Coro<u64, (), u64> {
    let mut next = recv!();
    while let Some(x) = next {
        next = recv!(x + 1);
    }
}

#[generator]
fn naturals() -> Gen<u64> {
    let mut i = 0u64;
    loop {
        yield_!(i);
        i += 1;
    }
}

fn switch(c: &mut Criterion) {
    let mut group = c.benchmark_group("round trip");
    group.measurement_time(Duration::from_secs(3));

    let mut coro = echo();
    group.bench_function("coro ask", |b| {
        b.iter(|| coro.ask(black_box(1)).unwrap());
    });

    let mut gen_ = naturals();
    group.bench_function("gen pull", |b| b.iter(|| gen_.next()));

    let mut stackful = genpipe::greenlet::greenlet(|y| {
        let mut i = 0u64;
        loop {
            y.yield_(i);
            i += 1;
        }
    });
    group.bench_function("greenlet pull", |b| b.iter(|| stackful.next()));

    group.bench_function("thread blocking", |b| {
        b.iter_custom(|rounds| {
            let (to, from_main) = std::sync::mpsc::sync_channel::<u64>(0);
            let (back, from_peer) = std::sync::mpsc::sync_channel::<u64>(0);
            let peer = std::thread::spawn(move || {
                for x in from_main {
                    back.send(x + 1).unwrap();
                }
            });
            let started = Instant::now();
            for i in 0..rounds {
                to.send(i).unwrap();
                black_box(from_peer.recv().unwrap());
            }
            let took = started.elapsed();
            drop(to);
            peer.join().unwrap();
            took
        });
    });

    group.bench_function("thread spinning", |b| {
        b.iter_custom(|rounds| {
            // ping holds the round the main thread sent; pong the round the peer answered.
            let (ping, pong) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            let (p, q) = (Arc::clone(&ping), Arc::clone(&pong));
            let peer = std::thread::spawn(move || {
                let mut seen = 0;
                while seen < rounds {
                    let now = p.load(Ordering::Acquire);
                    if now != seen {
                        seen = now;
                        q.store(now, Ordering::Release);
                    } else {
                        std::hint::spin_loop();
                    }
                }
            });
            let started = Instant::now();
            for round in 1..=rounds {
                ping.store(round, Ordering::Release);
                while pong.load(Ordering::Acquire) != round {
                    std::hint::spin_loop();
                }
            }
            let took = started.elapsed();
            peer.join().unwrap();
            took
        });
    });

    group.bench_function("process pipe", |b| {
        b.iter_custom(|rounds| {
            let mut child = std::process::Command::new("cat")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("cat runs");
            let (mut to, mut from) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
            let mut byte = [0u8; 1];
            let started = Instant::now();
            for _ in 0..rounds {
                to.write_all(b"x").unwrap();
                from.read_exact(&mut byte).unwrap();
            }
            let took = started.elapsed();
            drop(to);
            child.wait().unwrap();
            took
        });
    });
    group.bench_function("sched yield", |b| {
        b.iter_custom(|rounds| {
            let mut s = Scheduler::new();
            // Two tasks taking turns: `rounds` switches in all.
            s.spawn(yields(rounds / 2 + 1));
            s.spawn(yields(rounds / 2 + 1));
            let started = Instant::now();
            black_box(s.run());
            started.elapsed()
        });
    });
    group.bench_function("sched get_tid", |b| {
        b.iter_custom(|rounds| {
            let mut s = Scheduler::new();
            s.spawn(asks_tid(rounds));
            let started = Instant::now();
            black_box(s.run());
            started.elapsed()
        });
    });
    group.finish();
}

criterion_group!(benches, switch);
criterion_main!(benches);
