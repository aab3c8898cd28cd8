//! What one concurrent unit costs in memory, and how many this machine runs at once: a
//! scheduler task, a greenlet, an OS thread.
//!
//! ```text
//! cargo run --release --example units -- [N]
//! ```
//!
//! For N (default 10,000) of each, alive at once: the heap per task (counted by
//! `genpipe::mem::CountingAlloc`), and the resident memory per greenlet and per thread (RSS
//! before and after, from /proc/self/statm: stacks are mapped, only touched pages count).

use std::sync::{Arc, Barrier};

use genpipe::mem::{CountingAlloc, measure};
use genpipe::prelude::*;
use genpipe::sched::{Scheduler, Task, Yield};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

#[task]
fn waits_a_turn() -> Task<()> {
    syscall!(Yield);
}

/// Resident bytes now (not the peak).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);

    // Tasks: spawned and started (each suspended at its first call), all alive at once.
    let mut scheduler = Scheduler::new();
    let ((), tasks) = measure(|| {
        for _ in 0..n {
            scheduler.spawn(waits_a_turn());
        }
    });
    let ended = scheduler.run().len();
    println!(
        "task:     {:>7} bytes of heap each ({n} spawned, {ended} ran to their end)",
        tasks.retained_bytes / n as i64
    );

    // Greenlets: each resumed once, so its stack holds a frame.
    // A stack is two mappings (the stack and its guard page): the kernel's map count limit
    // (vm.max_map_count, 65,530 by default) bounds how many exist at once.
    let before = rss();
    let mut greenlets = Vec::new();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for _ in 0..n {
        let made = std::panic::catch_unwind(|| {
            genpipe::greenlet::greenlet(|y| {
                y.yield_(1u8);
                y.yield_(2u8);
            })
        });
        match made {
            Ok(mut g) => {
                assert_eq!(g.next(), Some(1));
                greenlets.push(g);
            }
            Err(_) => break,
        }
    }
    std::panic::set_hook(quiet);
    let alive = greenlets.len();
    let per_greenlet = rss().saturating_sub(before) / alive.max(1) as u64;
    drop(greenlets);
    let note = if alive < n {
        format!("; the OS refused a stack after {alive}")
    } else {
        String::new()
    };
    println!(
        "greenlet: {per_greenlet:>7} bytes resident each ({alive} alive at once, 1 MiB of address space each{note})"
    );

    // Threads: all alive at once, parked on a barrier.
    let threads = n.min(10_000);
    let before = rss();
    let barrier = Arc::new(Barrier::new(threads + 1));
    let mut handles = Vec::new();
    for _ in 0..threads {
        let barrier = Arc::clone(&barrier);
        match std::thread::Builder::new().spawn(move || {
            barrier.wait();
        }) {
            Ok(h) => handles.push(h),
            Err(e) => {
                println!("thread:   the OS refused thread {}: {e}", handles.len() + 1);
                break;
            }
        }
    }
    let per_thread = rss().saturating_sub(before) / handles.len().max(1) as u64;
    let started = handles.len();
    if started < threads {
        // Release the ones started; the barrier expects them all.
        std::process::exit(0);
    }
    barrier.wait();
    for h in handles {
        h.join().unwrap();
    }
    println!("thread:   {per_thread:>7} bytes resident each ({started} alive at once)");
}
