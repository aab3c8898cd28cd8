//! Beazley's pyos, step by step, on `genpipe::sched`: two tasks taking turns, tasks asking for
//! their id, a task spawning, killing and waiting for others.
//!
//! ```text
//! cargo run --example pyos -- [--trace]
//! ```
//!
//! `--trace` prints every step: which task ran and what it asked the scheduler for.

use genpipe::prelude::*;
use genpipe::sched::{GetTid, Kill, Scheduler, Spawn, Task, Wait, Yield};

/// pyos1-3: a task that prints and gives way, `times` times.
#[task]
fn foo(times: u32) -> Task<u32> {
    let me = syscall!(GetTid);
    for i in 0..times {
        println!("I'm foo {me}, turn {i}");
        syscall!(Yield);
    }
    times
}

#[task]
fn bar(times: u32) -> Task<u32> {
    let me = syscall!(GetTid);
    for i in 0..times {
        println!("I'm bar {me}, turn {i}");
        syscall!(Yield);
    }
    times
}

/// pyos6: a task that would run forever.
#[task]
fn forever() -> Task<()> {
    let me = syscall!(GetTid);
    loop {
        println!("forever {me} is still running");
        syscall!(Yield);
    }
}

/// pyos6: spawn, let run, kill; spawn another and wait for it.
#[task]
fn boss() -> Task<()> {
    let child = syscall!(Spawn(forever()));
    for _ in 0..3 {
        syscall!(Yield);
    }
    println!("boss kills {child}: {:?}", syscall!(Kill(child)));
    let worker = syscall!(Spawn(foo(2)));
    println!("boss waits for {worker}");
    println!("boss done waiting: {:?}", syscall!(Wait(worker)));
}

fn main() {
    let trace = std::env::args().any(|a| a == "--trace");
    let mut scheduler = Scheduler::new().trace(trace);
    scheduler.spawn(foo(3));
    scheduler.spawn(bar(2));
    scheduler.spawn(boss());
    let ended = scheduler.run();
    println!();
    for o in &ended {
        let how = if o.was_killed() { "killed" } else { "ended" };
        println!(
            "task {} {} {how} at step {} after {} resumes",
            o.tid(),
            o.name(),
            o.step(),
            o.resumes()
        );
    }
    if trace {
        println!();
        for e in scheduler.trace_events() {
            println!("step {:>3}  task {}  {}", e.step, e.tid, e.what);
        }
    }
}
