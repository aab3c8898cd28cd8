//! `#[coro]` consumers: send, ask, close, push pipelines.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use genpipe::prelude::*;

#[coro]
fn summer() -> Coro<u64, u64> {
    let mut total = 0;
    while let Some(x) = recv!() {
        total += x;
    }
    total
}

#[test]
fn send_then_close_returns_the_body_value() {
    let mut s = summer();
    for x in 1..=4 {
        s.send(x).unwrap();
    }
    assert_eq!(s.close(), 10);
    assert_eq!(summer().close(), 0);
}

#[coro]
fn primed(log: Rc<RefCell<Vec<String>>>) -> Coro<&'static str, ()> {
    log.borrow_mut().push("started".into());
    while let Some(x) = recv!() {
        log.borrow_mut().push(format!("got {x}"));
    }
    log.borrow_mut().push("closing".into());
}

#[test]
fn code_before_the_first_recv_runs_in_the_constructor() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut c = primed(Rc::clone(&log));
    assert_eq!(*log.borrow(), ["started"]);
    c.send("a").unwrap();
    assert_eq!(*log.borrow(), ["started", "got a"]);
    c.close();
    assert_eq!(*log.borrow(), ["started", "got a", "closing"]);
}

#[coro]
fn first_two() -> Coro<String, Vec<String>> {
    let mut got = Vec::new();
    while got.len() < 2 {
        match recv!() {
            Some(x) => got.push(x),
            None => break,
        }
    }
    got
}

#[test]
fn send_after_the_end_hands_the_value_back() {
    let mut c = first_two();
    c.send("a".into()).unwrap();
    assert!(!c.is_done());
    c.send("b".into()).unwrap();
    assert!(c.is_done());
    let err = c.send("c".into()).unwrap_err();
    assert_eq!(err.into_inner(), "c");
    assert_eq!(format!("{:?}", SendError("x")), "SendError { .. }");
    assert_eq!(
        SendError("x").to_string(),
        "consumer has ended; value \"x\" was not delivered"
    );
    assert_eq!(c.close(), ["a", "b"]);
}

#[coro]
fn averager() -> Coro<f64, usize, f64> {
    let (mut total, mut n) = (0.0, 0usize);
    let mut next = recv!();
    while let Some(x) = next {
        total += x;
        n += 1;
        next = recv!(total / n as f64);
    }
    n
}

#[test]
fn two_way_coroutine_answers_ask() {
    let mut avg = averager();
    assert_eq!(avg.ask(10.0).unwrap(), Some(10.0));
    assert_eq!(avg.ask(20.0).unwrap(), Some(15.0));
    avg.send(30.0).unwrap();
    assert_eq!(avg.ask(40.0).unwrap(), Some(25.0));
    assert_eq!(avg.close(), 4);
}

#[coro]
fn recv_in_macro() -> Coro<u8, ()> {
    assert_eq!(recv!(), Some(1));
    assert_eq!(recv!(), None);
}

#[test]
fn recv_inside_other_macros() {
    let mut c = recv_in_macro();
    c.send(1).unwrap();
    c.close();
}

struct Flag(Rc<Cell<u32>>);
impl Drop for Flag {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[coro]
fn guarded(drops: Rc<Cell<u32>>, after: Rc<Cell<bool>>) -> Coro<u8, ()> {
    let _guard = Flag(drops);
    while recv!().is_some() {}
    after.set(true);
}

#[test]
fn dropping_without_close_runs_destructors_not_the_rest() {
    let drops = Rc::new(Cell::new(0));
    let after = Rc::new(Cell::new(false));
    let mut c = guarded(Rc::clone(&drops), Rc::clone(&after));
    c.send(1).unwrap();
    drop(c);
    assert_eq!(drops.get(), 1);
    assert!(!after.get());

    let c = guarded(Rc::clone(&drops), Rc::clone(&after));
    c.close();
    assert_eq!(drops.get(), 2);
    assert!(after.get());
}

#[coro]
fn matching(pattern: &'static str, mut target: impl Sink<String>) -> Coro<String, usize> {
    let mut n = 0;
    while let Some(line) = recv!() {
        if line.contains(pattern) {
            n += 1;
            if target.send(line).is_err() {
                break;
            }
        }
    }
    target.close();
    n
}

#[coro]
fn printer(out: Rc<RefCell<Vec<String>>>) -> Coro<String, ()> {
    while let Some(line) = recv!() {
        out.borrow_mut().push(line);
    }
}

#[test]
fn coroutines_compose_into_push_pipelines() {
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut pipeline = matching("python", printer(Rc::clone(&out)));
    for line in ["python is fun", "rust is fast", "python again"] {
        pipeline.send(line.to_string()).unwrap();
    }
    assert_eq!(pipeline.close(), 2);
    assert_eq!(*out.borrow(), ["python is fun", "python again"]);
}

#[test]
fn a_coroutine_is_a_pipe_sink() {
    let lines = ["a python", "b", "c python"].map(String::from);
    assert_eq!(pipe(lines.clone()) | summer_of_lengths(), 17);
    let out = Rc::new(RefCell::new(Vec::new()));
    assert_eq!(
        pipe(lines) | matching("python", printer(Rc::clone(&out))),
        2
    );
    assert_eq!(out.borrow().len(), 2);
}

#[coro]
fn summer_of_lengths() -> Coro<String, usize> {
    let mut n = 0;
    while let Some(s) = recv!() {
        n += s.len();
    }
    n
}

#[test]
fn a_pipe_stops_pulling_when_the_coroutine_ends() {
    let pulled = Cell::new(0);
    let got = pipe(0..100)
        .inspect(|_| pulled.set(pulled.get() + 1))
        .map(|x| x.to_string())
        | first_two();
    assert_eq!(got, ["0", "1"]);
    assert_eq!(
        pulled.get(),
        2,
        "nothing is pulled after the coroutine ended"
    );
}

#[test]
fn boxed_coroutines_erase_the_body_type() {
    let mut sinks: Vec<BoxCoro<'static, u64, u64>> = vec![summer().boxed(), summer().boxed()];
    for s in &mut sinks {
        s.send(5).unwrap();
    }
    let totals: Vec<u64> = sinks.into_iter().map(Coro::close).collect();
    assert_eq!(totals, [5, 5]);

    let out = Rc::new(RefCell::new(Vec::new()));
    let mut local: LocalBoxCoro<'static, String, ()> = printer(out).boxed_local();
    local.send("x".into()).unwrap();
    local.close();
}

#[test]
fn a_send_body_makes_a_send_coroutine() {
    fn assert_send<T: Send>(_: &T) {}
    let mut s = summer();
    assert_send(&s);
    s.send(1).unwrap();
    let total = std::thread::spawn(move || {
        s.send(2).unwrap();
        s.close()
    })
    .join()
    .unwrap();
    assert_eq!(total, 3);
}

#[coro]
fn panics_on(bad: u8) -> Coro<u8, ()> {
    while let Some(x) = recv!() {
        assert_ne!(x, bad, "bad value");
    }
}

#[test]
fn a_panic_in_the_body_propagates_and_ends_the_coroutine() {
    let mut c = panics_on(3);
    c.send(1).unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| c.send(3))).is_err());
    assert!(c.is_done());
    assert_eq!(c.send(4).unwrap_err().into_inner(), 4);
    let err = catch_unwind(AssertUnwindSafe(|| c.close())).unwrap_err();
    assert!(err.downcast_ref::<&str>().unwrap().contains("panicked"));
}

#[coro]
fn ends_at_once() -> Coro<u8, &'static str> {
    "never received"
}

#[test]
fn a_coroutine_that_ends_before_receiving_hands_everything_back() {
    let mut c = ends_at_once();
    assert!(c.is_done());
    assert_eq!(c.send(1).unwrap_err().into_inner(), 1);
    assert_eq!(c.ask(2).unwrap_err().into_inner(), 2);
    assert_eq!(c.close(), "never received");
}

#[test]
fn extend_sends_every_item_and_takes_none_after_the_end() {
    #[coro]
    fn upto(n: usize) -> Coro<u32, Vec<u32>> {
        let mut got = Vec::new();
        while got.len() < n {
            match recv!() {
                Some(x) => got.push(x),
                None => break,
            }
        }
        got
    }
    let mut all = upto(10);
    all.extend(1..=3);
    all.extend(vec![4, 5]);
    assert_eq!(all.close(), [1, 2, 3, 4, 5]);

    let mut two = upto(2);
    let mut items = 1..=5;
    two.extend(&mut items);
    assert_eq!(items.next(), Some(3));
    // Already ended: nothing more is pulled.
    two.extend(&mut items);
    assert_eq!(items.next(), Some(4));
    assert_eq!(two.close(), [1, 2]);

    // A coroutine that ends at once takes nothing.
    let mut none = upto(0);
    let mut items = 1..=2;
    none.extend(&mut items);
    assert_eq!(items.next(), Some(1));
}
