//! `genpipe::sched`: FIFO order, every system call and its bad uses, panics, timers, I/O
//! readiness, blocking work, and an idle loop that does not spin.
#![cfg(unix)]

use std::cell::Cell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use genpipe::prelude::*;
use genpipe::sched::{
    Blocking, GetTid, Kill, ReadWait, SchedError, Scheduler, Sleep, Spawn, Task, Tid, Wait, Yield,
};

#[task]
fn yielder(times: u32) -> Task<u32> {
    for _ in 0..times {
        syscall!(Yield);
    }
    times
}

#[test]
fn a_thousand_tasks_are_resumed_first_in_first_out() {
    let mut s = Scheduler::new().trace(true);
    for _ in 0..1000 {
        s.spawn(yielder(3));
    }
    let ended = s.run();
    assert_eq!(ended.len(), 1000);
    // Round after round, every task in spawn order: no task starved, none resumed twice ahead.
    let order: Vec<u64> = s.trace_events().iter().map(|e| e.tid.0).collect();
    let want: Vec<u64> = (0..4).flat_map(|_| 1..=1000).collect();
    assert_eq!(order, want);
    let steps: Vec<u64> = s.trace_events().iter().map(|e| e.step).collect();
    assert_eq!(steps, (1..=4000).collect::<Vec<_>>());
    // They end in spawn order too, each after four resumes.
    assert!(
        ended
            .iter()
            .enumerate()
            .all(|(i, o)| o.tid() == Tid(i as u64 + 1))
    );
    assert!(
        ended
            .iter()
            .all(|o| o.resumes() == 4 && o.value::<u32>() == Some(&3))
    );
    assert_eq!(ended[999].step(), 4000);
}

/// Sets its flag when dropped: a killed task's destructors run.
struct Flag(Rc<Cell<bool>>);

impl Drop for Flag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[task]
fn holds(flag: Flag) -> Task<()> {
    let _held = flag;
    loop {
        syscall!(Yield);
    }
}

#[task]
fn killer(flag: Flag) -> Task<Vec<Result<(), SchedError>>> {
    let me = syscall!(GetTid);
    let victim = syscall!(Spawn(holds(flag)));
    syscall!(Yield);
    vec![
        syscall!(Kill(victim)),
        // Ended already, never spawned, and yourself: refused, not a panic.
        syscall!(Kill(victim)),
        syscall!(Kill(Tid(99))),
        syscall!(Kill(me)),
    ]
}

#[test]
fn kill_ends_a_task_and_runs_its_destructors() {
    let dropped = Rc::new(Cell::new(false));
    let mut s = Scheduler::new();
    s.spawn(killer(Flag(dropped.clone())));
    let ended = s.run();
    assert!(dropped.get());
    assert_eq!((ended[0].tid(), ended[0].was_killed()), (Tid(2), true));
    let replies = ended[1].value::<Vec<Result<(), SchedError>>>().unwrap();
    assert_eq!(
        replies,
        &[
            Ok(()),
            Err(SchedError::NoSuchTask(Tid(2))),
            Err(SchedError::NoSuchTask(Tid(99))),
            Err(SchedError::Yourself)
        ]
    );
}

#[task]
fn waiter(other: Tid, log: Rc<std::cell::RefCell<Vec<String>>>) -> Task<()> {
    let me = syscall!(GetTid);
    log.borrow_mut().push(format!("{me} waits for {other}"));
    let waited = syscall!(Wait(other));
    log.borrow_mut().push(format!("{me} resumed: {waited:?}"));
    // Waiting on yourself, on a task never spawned, and again on the ended one.
    assert_eq!(syscall!(Wait(me)), Err(SchedError::Yourself));
    assert_eq!(
        syscall!(Wait(Tid(77))),
        Err(SchedError::NoSuchTask(Tid(77)))
    );
    assert_eq!(syscall!(Wait(other)), Ok(()));
}

#[test]
fn wait_resumes_when_the_other_task_ends() {
    let log = Rc::new(std::cell::RefCell::new(Vec::new()));
    let mut s = Scheduler::new();
    let slow = s.spawn(yielder(5));
    s.spawn(waiter(slow, log.clone()));
    let ended = s.run();
    assert_eq!(ended[0].tid(), slow);
    assert!(ended[1].value::<()>().is_some(), "{:?}", ended[1]);
    assert_eq!(*log.borrow(), ["2 waits for 1", "2 resumed: Ok(())"]);
}

#[task]
fn waits_for(other: u64) -> Task<()> {
    syscall!(Wait(Tid(other))).unwrap();
}

#[test]
fn tasks_waiting_for_each_other_end_as_killed_instead_of_hanging() {
    let mut s = Scheduler::new();
    s.spawn(waits_for(2));
    s.spawn(waits_for(1));
    let ended = s.run();
    assert_eq!(ended.len(), 2);
    assert!(ended.iter().all(|o| o.was_killed()));
}

#[task]
fn panics_at(n: u32) -> Task<()> {
    for i in 0.. {
        assert!(i != n, "task panicked at {n}");
        syscall!(Yield);
    }
}

#[task]
fn blocking_panics() -> Task<u32> {
    syscall!(Blocking(|| -> u32 { panic!("blocking closure panicked") }))
}

#[test]
fn a_panicking_task_ends_alone() {
    let mut s = Scheduler::new();
    s.spawn(panics_at(2));
    s.spawn(yielder(5));
    s.spawn(blocking_panics());
    let ended = s.run();
    let by_name = |name: &str| ended.iter().find(|o| o.name() == name).unwrap();
    assert_eq!(by_name("panics_at").panic(), Some("task panicked at 2"));
    assert_eq!(
        by_name("blocking_panics").panic(),
        Some("blocking closure panicked")
    );
    assert_eq!(by_name("yielder").value::<u32>(), Some(&5));
}

#[task]
fn sleeper(ms: u64) -> Task<u64> {
    syscall!(Sleep(Duration::from_millis(ms)));
    ms
}

/// CPU time of this thread, from /proc (Linux).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

#[test]
fn sleeping_tasks_wake_in_time_order_and_the_idle_loop_does_not_spin() {
    let mut s = Scheduler::new();
    s.spawn(sleeper(300));
    s.spawn(sleeper(100));
    s.spawn(sleeper(200));
    let (started, cpu) = (Instant::now(), thread_cpu());
    let ended = s.run();
    let took = started.elapsed();
    let values: Vec<u64> = ended.iter().map(|o| *o.value::<u64>().unwrap()).collect();
    assert_eq!(values, [100, 200, 300]);
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
    if let (Some(before), Some(after)) = (cpu, thread_cpu()) {
        // 300 ms idle; a spinning loop would burn all of it.
        assert!(
            after - before < Duration::from_millis(60),
            "{:?} of CPU",
            after - before
        );
    }
}

#[task]
fn reads(mut from: std::os::unix::net::UnixStream) -> Task<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        syscall!(ReadWait(&from));
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("read failed: {e}"),
        }
    }
    String::from_utf8(got).unwrap()
}

#[task]
fn writes_later(mut to: std::os::unix::net::UnixStream) -> Task<()> {
    for word in ["ready", " and", " waiting"] {
        syscall!(Sleep(Duration::from_millis(20)));
        to.write_all(word.as_bytes()).unwrap();
    }
    // Dropped here: the reader sees the end.
}

#[test]
fn read_wait_resumes_when_the_descriptor_is_readable() {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    let mut s = Scheduler::new();
    s.spawn(reads(a));
    s.spawn(writes_later(b));
    s.spawn(yielder(10));
    let ended = s.run();
    let read = ended.iter().find(|o| o.name() == "reads").unwrap();
    assert_eq!(
        read.value::<String>().map(String::as_str),
        Some("ready and waiting")
    );
}

#[task]
fn fallible(fail: bool) -> Task<Result<u32, String>> {
    let me = syscall!(GetTid);
    let n: u32 = if fail { "x".parse() } else { "7".parse() }.map_err(|e| format!("{e}"))?;
    Ok(n + me.0 as u32)
}

#[generator]
fn chunks_of_work(n: u32) -> Gen<(), u32> {
    let mut total = 0;
    for i in 0..n {
        total += i;
        yield_!(());
    }
    total
}

#[test]
fn question_marks_and_generators_as_tasks() {
    let mut s = Scheduler::new();
    s.spawn(fallible(false));
    s.spawn(fallible(true));
    s.spawn(Task::from_gen("work", chunks_of_work(4)));
    let ended = s.run();
    let values: Vec<_> = ended
        .iter()
        .filter_map(|o| o.value::<Result<u32, String>>())
        .cloned()
        .collect();
    assert_eq!(
        values,
        [Ok(8), Err("invalid digit found in string".to_string())]
    );
    let work = ended.iter().find(|o| o.name() == "work").unwrap();
    assert_eq!((work.value::<u32>(), work.resumes()), (Some(&6), 5));
}

#[task]
fn echo(stream: genpipe::sched::net::TcpStream) -> Task<std::io::Result<u64>> {
    let mut buf = [0u8; 4096];
    let mut echoed = 0;
    loop {
        let n = syscall!(stream.read(&mut buf))?;
        if n == 0 {
            return Ok(echoed);
        }
        syscall!(stream.write_all(&buf[..n]))?;
        echoed += n as u64;
    }
}

#[task]
fn echo_server(
    listener: genpipe::sched::net::TcpListener,
    clients: u64,
) -> Task<std::io::Result<()>> {
    for _ in 0..clients {
        let (stream, _) = syscall!(listener.accept())?;
        syscall!(Spawn(echo(stream)));
    }
    Ok(())
}

/// One thread serves K clients at once (loopback, bounded count and time): each sends M
/// messages and checks every echo; a client that closes ends its task cleanly.
#[test]
fn an_echo_server_on_one_thread_serves_many_clients_at_once() {
    const K: usize = 32;
    const M: usize = 20;
    let listener = genpipe::sched::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let clients: Vec<_> = (0..K)
        .map(|k| {
            std::thread::spawn(move || {
                let mut c = std::net::TcpStream::connect(addr).unwrap();
                c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                for m in 0..M {
                    let msg = format!("client {k} message {m}\n");
                    c.write_all(msg.as_bytes()).unwrap();
                    let mut back = vec![0u8; msg.len()];
                    c.read_exact(&mut back).unwrap();
                    assert_eq!(back, msg.as_bytes());
                }
                // Closed by the peer: the server's read sees the end.
            })
        })
        .collect();
    let mut s = Scheduler::new();
    s.spawn(echo_server(listener, K as u64));
    let started = Instant::now();
    let ended = s.run();
    assert!(started.elapsed() < Duration::from_secs(30));
    for client in clients {
        client.join().unwrap();
    }
    assert_eq!(ended.len(), K + 1);
    let echoed: u64 = ended
        .iter()
        .filter_map(|o| o.value::<std::io::Result<u64>>())
        .map(|r| *r.as_ref().unwrap())
        .sum();
    let want: usize = (0..K)
        .flat_map(|k| (0..M).map(move |m| format!("client {k} message {m}\n").len()))
        .sum();
    assert_eq!(echoed, want as u64);
}
