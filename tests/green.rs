//! Green tasks and the scheduler's runtime basics, with their bad uses: two waiters on one
//! socket, a peer that resets mid-write, a client that never sends, timeouts, killing a task
//! blocked in a read, a green task that panics, a stack overflow (in a child process), channels,
//! joins, fairness under load. Loopback only, every test bounded in time.
#![cfg(unix)]

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use genpipe::prelude::*;
use genpipe::sched::channel::{Receiver, Sender, channel};
use genpipe::sched::net::{TcpListener, TcpStream, UdpSocket};
use genpipe::sched::{
    Elapsed, Join, JoinError, Kill, Scheduler, Sleep, Spawn, Task, Timeout, Yield, join, perform,
    sleep, spawn, yield_now,
};

// A gevent-style handler: plain blocking-looking code, several calls deep.
fn handle(stream: TcpStream) -> std::io::Result<usize> {
    let mut lines = 0;
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(lines);
        }
        answer(&stream, &line)?;
        lines += 1;
    }
}

fn answer(mut out: &TcpStream, line: &str) -> std::io::Result<()> {
    shout(&mut out, line)
}

fn shout(out: &mut impl Write, line: &str) -> std::io::Result<()> {
    // A wait deep in the stack: the task suspends here too.
    sleep(Duration::from_micros(10));
    out.write_all(line.to_uppercase().as_bytes())
}

#[test]
fn green_tasks_serve_clients_with_blocking_looking_code_several_calls_deep() {
    const CLIENTS: usize = 20;
    const LINES: usize = 10;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let results = Rc::new(RefCell::new(Vec::new()));
    let mut s = Scheduler::new();
    s.spawn(Task::green("server", move || {
        for _ in 0..CLIENTS {
            let stream = listener.incoming().next().unwrap()?;
            spawn(Task::green("handler", move || handle(stream)));
        }
        Ok::<_, std::io::Error>(())
    }));
    for k in 0..CLIENTS {
        let results = Rc::clone(&results);
        s.spawn(Task::green("client", move || {
            let stream = TcpStream::connect(addr).unwrap();
            let mut reader = BufReader::new(&stream);
            for i in 0..LINES {
                stream
                    .send_all(format!("client {k} line {i}\n").as_bytes())
                    .unwrap();
                let mut back = String::new();
                reader.read_line(&mut back).unwrap();
                assert_eq!(back, format!("CLIENT {k} LINE {i}\n"));
            }
            results.borrow_mut().push(k);
        }));
    }
    let started = Instant::now();
    let ended = s.run();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(results.borrow().len(), CLIENTS);
    let handled: Vec<usize> = ended
        .iter()
        .filter(|o| o.name() == "handler")
        .map(|o| {
            *o.value::<std::io::Result<usize>>()
                .unwrap()
                .as_ref()
                .unwrap()
        })
        .collect();
    assert_eq!(handled, vec![LINES; CLIENTS]);
}

#[test]
fn the_same_code_runs_in_a_thread_outside_any_scheduler() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let stream = listener.incoming().next().unwrap().unwrap();
        handle(stream).unwrap()
    });
    let stream = TcpStream::connect(addr).unwrap();
    stream.send_all(b"a\nb\n").unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut all = String::new();
    (&stream).read_to_string(&mut all).unwrap();
    assert_eq!(all, "A\nB\n");
    assert_eq!(server.join().unwrap(), 2);
}

#[task]
fn reader(stream: Rc<TcpStream>, log: Rc<RefCell<Vec<String>>>) -> Task<std::io::Result<usize>> {
    let mut buf = [0u8; 8];
    let n = syscall!(stream.read(&mut buf))?;
    log.borrow_mut()
        .push(String::from_utf8_lossy(&buf[..n]).into_owned());
    Ok(n)
}

#[test]
fn two_tasks_waiting_to_read_one_socket_are_both_served_without_spinning() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let stream = Rc::new(TcpStream::from_std(server).unwrap());
    let log = Rc::new(RefCell::new(Vec::new()));
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        client.write_all(b"one").unwrap();
        std::thread::sleep(Duration::from_millis(100));
        client.write_all(b"two").unwrap();
        client
    });
    let mut s = Scheduler::new();
    s.spawn(reader(Rc::clone(&stream), Rc::clone(&log)));
    s.spawn(reader(Rc::clone(&stream), Rc::clone(&log)));
    let cpu = thread_cpu();
    let ended = s.run();
    let spent = thread_cpu().zip(cpu).map(|(after, before)| after - before);
    drop(writer.join().unwrap());
    assert_eq!(*log.borrow(), ["one", "two"]);
    assert!(
        ended
            .iter()
            .all(|o| o.value::<std::io::Result<usize>>().is_some())
    );
    // 200 ms of waiting: a busy loop would spend most of it on the CPU.
    if let Some(spent) = spent {
        assert!(
            spent < Duration::from_millis(50),
            "{spent:?} of CPU while waiting"
        );
    }
}

/// This thread's CPU time (Linux).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

#[task]
fn read_with_timeout(stream: TcpStream) -> Task<Result<std::io::Result<usize>, Elapsed>> {
    let mut buf = [0u8; 16];
    syscall!(Timeout(stream.read(&mut buf), Duration::from_millis(50)))
}

#[test]
fn a_client_that_connects_and_never_sends_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _silent = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let mut s = Scheduler::new().trace(true);
    s.spawn(read_with_timeout(TcpStream::from_std(server).unwrap()));
    let started = Instant::now();
    let ended = s.run();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(50) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    let reply = ended[0]
        .value::<Result<std::io::Result<usize>, Elapsed>>()
        .unwrap();
    assert_eq!(
        reply.as_ref().err(),
        Some(&Elapsed(Duration::from_millis(50)))
    );
    assert!(s.trace_events().iter().any(|e| e.what == "timed out"));
}

#[task]
fn sleeps_for_ever() -> Task<()> {
    // Saturates instead of overflowing `Instant`.
    syscall!(Sleep(Duration::MAX));
}

#[task]
fn blocked_reader(stream: TcpStream, dropped: Rc<RefCell<bool>>) -> Task<()> {
    struct SetOnDrop(Rc<RefCell<bool>>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = true;
        }
    }
    let _flag = SetOnDrop(dropped);
    let mut buf = [0u8; 4];
    let _ = syscall!(stream.read(&mut buf));
}

#[task]
fn killer(victims: Vec<genpipe::sched::Tid>) -> Task<()> {
    syscall!(Sleep(Duration::from_millis(20)));
    for victim in victims {
        syscall!(Kill(victim)).unwrap();
    }
}

#[test]
fn killing_a_task_blocked_in_a_read_or_asleep_for_ever_ends_it_and_its_registration() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _silent = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let dropped = Rc::new(RefCell::new(false));
    let mut s = Scheduler::new();
    let a = s.spawn(blocked_reader(
        TcpStream::from_std(server).unwrap(),
        Rc::clone(&dropped),
    ));
    let b = s.spawn(sleeps_for_ever());
    s.spawn(killer(vec![a, b]));
    let started = Instant::now();
    let ended = s.run();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(*dropped.borrow(), "the killed task's destructors ran");
    let killed: Vec<bool> = ended.iter().map(|o| o.was_killed()).collect();
    assert_eq!(killed, [true, true, false]);
}

#[test]
fn a_peer_that_resets_mid_write_is_an_error_not_a_panic() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let client = std::net::TcpStream::connect(addr).unwrap();
        let mut buf = [0u8; 1024];
        // Read a little, then go: the server's long write meets a closed socket.
        let _ = (&client).read(&mut buf);
        drop(client);
    });
    let mut s = Scheduler::new();
    s.spawn(Task::green("writer", move || {
        let stream = listener.incoming().next().unwrap()?;
        let chunk = vec![b'x'; 1 << 16];
        for _ in 0..1000 {
            stream.send_all(&chunk)?;
        }
        Ok::<(), std::io::Error>(())
    }));
    let ended = run_within_scheduler(&mut s);
    peer.join().unwrap();
    let result = ended[0].value::<std::io::Result<()>>().unwrap();
    let kind = result.as_ref().unwrap_err().kind();
    assert!(
        matches!(
            kind,
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{kind:?}"
    );
}

fn run_within_scheduler(s: &mut Scheduler) -> Vec<genpipe::sched::Outcome> {
    let started = Instant::now();
    let ended = s.run();
    assert!(started.elapsed() < Duration::from_secs(20));
    ended
}

#[test]
fn a_green_task_that_panics_ends_alone_and_the_others_go_on() {
    let mut s = Scheduler::new();
    s.spawn(Task::green("ok", || {
        yield_now();
        7
    }));
    s.spawn(Task::green("boom", || -> u32 {
        fn deep(n: u32) -> u32 {
            if n == 0 {
                yield_now();
                panic!("deep down");
            }
            deep(n - 1) + 1
        }
        deep(20)
    }));
    let ended = s.run();
    let by_name = |name: &str| ended.iter().find(|o| o.name() == name).unwrap();
    assert_eq!(by_name("ok").value::<i32>(), Some(&7));
    assert_eq!(by_name("boom").panic(), Some("deep down"));
}

#[test]
fn a_greenlet_pulled_after_its_panic_ends_as_a_generator_does() {
    let mut g = genpipe::greenlet::greenlet(|y| {
        y.yield_(1);
        panic!("inside");
    });
    assert_eq!(g.next(), Some(1));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.next()));
    assert!(panicked.is_err());
    assert_eq!(g.next(), None);
}

#[test]
fn a_stack_overflow_in_a_green_task_names_the_task() {
    if std::env::var_os("GENPIPE_OVERFLOW_CHILD").is_some() {
        let mut s = Scheduler::new();
        s.spawn(Task::green_with_stack("deep-recursion", 64 << 10, || {
            fn recurse(n: u64) -> u64 {
                let pad = std::hint::black_box([n; 64]);
                if n == u64::MAX {
                    0
                } else {
                    recurse(n + 1) + pad[3]
                }
            }
            recurse(0)
        }));
        s.run();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "a_stack_overflow_in_a_green_task_names_the_task",
            "--exact",
            "--nocapture",
        ])
        .env("GENPIPE_OVERFLOW_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("green task 'deep-recursion' overflowed its stack of 65536 bytes"),
        "{stderr}"
    );
}

#[task]
fn producer(tx: Sender<u32>, n: u32) -> Task<()> {
    for i in 0..n {
        syscall!(tx.send(i)).unwrap();
    }
}

#[task]
fn consumer(rx: Receiver<u32>) -> Task<Vec<u32>> {
    let mut got = Vec::new();
    while let Some(x) = syscall!(rx.recv()) {
        got.push(x);
    }
    got
}

#[test]
fn channels_are_bounded_closed_by_their_ends_and_give_values_back() {
    // Two producers, capacity 1: every value arrives once, in each producer's order.
    let (tx, rx) = channel(1);
    let mut s = Scheduler::new();
    s.spawn(producer(tx.clone(), 50));
    s.spawn(producer(tx, 50));
    let consumer_tid = s.spawn(consumer(rx));
    let ended = s.run();
    let got = ended
        .iter()
        .find(|o| o.tid() == consumer_tid)
        .unwrap()
        .value::<Vec<u32>>()
        .unwrap()
        .clone();
    assert_eq!(got.len(), 100);
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..50).flat_map(|i| [i, i]).collect::<Vec<_>>());

    // A closed receiver gives the value back; a receiver whose senders are gone gets None.
    let (tx, rx) = channel::<&str>(2);
    rx.close();
    assert_eq!(tx.try_send("x").unwrap_err().0, "x");
    let (tx, rx) = channel::<u8>(2);
    tx.try_send(1).unwrap();
    drop(tx);
    assert_eq!((rx.try_recv(), rx.try_recv()), (Some(1), None));
    let mut s = Scheduler::new();
    let (tx, rx) = channel::<u8>(1);
    s.spawn(Task::green("recv", move || rx.recv_blocking()));
    s.spawn(Task::green("send", move || {
        tx.send_blocking(9).unwrap();
    }));
    assert_eq!(s.run()[1].value::<Option<u8>>(), Some(&Some(9)));

    // A receiver nobody will ever send to: ended as stuck, not hung.
    let (tx, rx) = channel::<u32>(1);
    let mut s = Scheduler::new();
    s.spawn(consumer(rx));
    let ended = s.run();
    assert!(ended[0].was_killed());
    drop(tx);
}

#[test]
fn join_returns_typed_values_and_says_why_it_has_none() {
    let said = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&said);
    let mut s = Scheduler::new().on_end(move |o| log.borrow_mut().push(o.name().to_string()));
    s.spawn(Task::green("parent", || {
        let ok = spawn(Task::green("ok", || String::from("value")));
        let bad = spawn(Task::green("bad", || -> u8 { panic!("nope") }));
        let value = join::<String>(ok).unwrap();
        let again = join::<String>(ok).unwrap_err();
        let wrong = join::<u64>(bad).unwrap_err();
        let missing = join::<u8>(genpipe::sched::Tid(99)).unwrap_err();
        (value, again, wrong, missing)
    }));
    let ended = s.run();
    let parent = ended.iter().find(|o| o.name() == "parent").unwrap();
    let (value, again, wrong, missing) = parent
        .value::<(String, JoinError, JoinError, JoinError)>()
        .unwrap()
        .clone();
    assert_eq!(value, "value");
    assert_eq!(again, JoinError::Taken);
    assert_eq!(wrong, JoinError::Panicked("nope".into()));
    assert_eq!(missing, JoinError::NoSuchTask(genpipe::sched::Tid(99)));
    assert_eq!(*said.borrow(), ["ok", "bad", "parent"]);
    let ok = ended.iter().find(|o| o.name() == "ok").unwrap();
    assert_eq!(ok.taken_by(), Some(parent.tid()));
}

#[task]
fn spawner_and_joiner() -> Task<Result<u32, JoinError>> {
    let child = syscall!(Spawn(counted(3)));
    syscall!(Join::<u32>::new(child))
}

#[task]
fn counted(n: u32) -> Task<u32> {
    for _ in 0..n {
        syscall!(Yield);
    }
    n
}

#[test]
fn stackless_tasks_join_too_and_a_udp_echo_works_between_green_tasks() {
    let mut s = Scheduler::new();
    s.spawn(spawner_and_joiner());
    assert_eq!(s.run()[1].value::<Result<u32, JoinError>>(), Some(&Ok(3)));

    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let mut s = Scheduler::new();
    s.spawn(Task::green("udp server", move || -> std::io::Result<()> {
        let mut buf = [0u8; 64];
        for _ in 0..3 {
            let (n, from) = perform(server.recv_from(&mut buf))?;
            perform(server.send_to(&buf[..n], from))?;
        }
        Ok(())
    }));
    s.spawn(Task::green(
        "udp client",
        move || -> std::io::Result<Vec<u8>> {
            let socket = UdpSocket::bind("127.0.0.1:0")?;
            let mut echoed = Vec::new();
            for msg in [b"a", b"b", b"c"] {
                perform(socket.send_to(msg, addr))?;
                let mut buf = [0u8; 8];
                let (n, _) = perform(Timeout(socket.recv_from(&mut buf), Duration::from_secs(5)))
                    .map_err(std::io::Error::from)??;
                echoed.extend_from_slice(&buf[..n]);
            }
            Ok(echoed)
        },
    ));
    let ended = s.run();
    let client = ended.iter().find(|o| o.name() == "udp client").unwrap();
    assert_eq!(
        client
            .value::<std::io::Result<Vec<u8>>>()
            .unwrap()
            .as_ref()
            .unwrap(),
        b"abc"
    );
}

#[task]
fn byte_by_byte(stream: TcpStream, total: usize) -> Task<std::io::Result<usize>> {
    let mut got = 0;
    let mut byte = [0u8; 1];
    while got < total {
        got += syscall!(stream.read(&mut byte))?;
    }
    Ok(got)
}

#[test]
fn a_task_whose_socket_is_always_ready_gives_way_to_the_others() {
    // 256 KiB already in the socket, read a byte at a time: every read is ready at once. The
    // reader gives way every 32 reads (the coop budget), so the task that yields 100 times ends
    // long before it; without the budget it would end after it.
    const TOTAL: usize = 256 << 10;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let writer = std::thread::spawn(move || {
        client.write_all(&vec![7u8; TOTAL]).unwrap();
        client
    });
    std::thread::sleep(Duration::from_millis(100));
    let mut s = Scheduler::new();
    s.spawn(byte_by_byte(TcpStream::from_std(server).unwrap(), TOTAL));
    s.spawn(counted(100));
    let ended = s.run();
    drop(writer.join().unwrap());
    let names: Vec<&str> = ended.iter().map(|o| o.name()).collect();
    assert_eq!(names, ["counted", "byte_by_byte"]);
    assert_eq!(
        ended[1]
            .value::<std::io::Result<usize>>()
            .unwrap()
            .as_ref()
            .ok(),
        Some(&TOTAL)
    );
}

#[test]
fn an_echo_round_trip_costs_at_most_two_and_a_half_poller_calls() {
    const ROUNDS: usize = 200;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut back = [0u8; 64];
        for _ in 0..ROUNDS {
            c.write_all(&[1u8; 64]).unwrap();
            c.read_exact(&mut back).unwrap();
        }
    });
    let mut s = Scheduler::new();
    s.spawn(Task::green("echo", move || -> std::io::Result<()> {
        let stream = listener.incoming().next().unwrap()?;
        let mut buf = [0u8; 64];
        loop {
            let n = Read::read(&mut &stream, &mut buf)?;
            if n == 0 {
                return Ok(());
            }
            stream.send_all(&buf[..n])?;
        }
    }));
    let ended = run_within_scheduler(&mut s);
    client.join().unwrap();
    assert!(ended[0].value::<std::io::Result<()>>().unwrap().is_ok());
    let per_round_trip = s.poll_calls() as f64 / ROUNDS as f64;
    assert!(
        per_round_trip <= 2.5,
        "{per_round_trip} poller calls per round trip"
    );
}

#[test]
fn sleep_yield_and_perform_outside_a_scheduler_block_as_std_does() {
    let started = Instant::now();
    sleep(Duration::from_millis(10));
    yield_now();
    assert!(started.elapsed() >= Duration::from_millis(10));
    // A timeout around a wait outside a scheduler runs out too.
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut buf = [0u8; 4];
    let started = Instant::now();
    let got = perform(Timeout(
        socket.recv_from(&mut buf),
        Duration::from_millis(30),
    ));
    assert!(got.is_err());
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[test]
fn a_greenlet_inside_a_green_task_blocks_instead_of_switching_the_wrong_stack() {
    // The greenlet's body runs on the greenlet's stack: a sleep there must not suspend the
    // green task from it; it sleeps the thread, and the greenlet still yields its items.
    let mut s = Scheduler::new();
    s.spawn(Task::green("outer", || {
        let items: Vec<u32> = genpipe::greenlet::greenlet(|y| {
            for i in 0..3 {
                sleep(Duration::from_millis(1));
                y.yield_(i);
            }
        })
        .collect();
        // Back in the green task: its own waits suspend it again.
        yield_now();
        items
    }));
    s.spawn(Task::green("other", || 1u8));
    let ended = s.run();
    let outer = ended.iter().find(|o| o.name() == "outer").unwrap();
    assert_eq!(outer.value::<Vec<u32>>(), Some(&vec![0, 1, 2]));
}
