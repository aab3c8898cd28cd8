//! Greenlets: yields from any depth, panics that unwind to the puller, drops that unwind the
//! greenlet's stack.
#![cfg(feature = "stackful")]

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use genpipe::greenlet::{Yielder, greenlet};
use genpipe::prelude::*;

/// A visitor-style API, as a library that calls back would offer it.
fn visit_words(text: &str, visit: &mut dyn FnMut(&str)) {
    for word in text.split_whitespace() {
        visit(word);
    }
}

fn deep(n: u32, y: &Yielder<'_, u32>) {
    if n == 0 {
        return;
    }
    y.yield_(n);
    deep(n - 1, y);
}

#[test]
fn yields_from_callbacks_and_from_deep_recursion() {
    let words = greenlet(|y| {
        visit_words("a bb ccc", &mut |w| y.yield_(w.len()));
        "done"
    });
    let mut words = words;
    assert_eq!((&mut words).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(words.finish(), "done");
    // 10,000 frames deep, on the greenlet's own stack.
    assert_eq!(greenlet(|y| deep(10_000, y)) | count(), 10_000);
}

#[test]
fn a_panic_in_the_body_reaches_the_puller() {
    // The body never returns: `()` is named for its return type.
    let g = greenlet::<u32, (), _>(|y| {
        y.yield_(1);
        panic!("greenlet body panicked");
    });
    let caught = catch_unwind(AssertUnwindSafe(|| g | count())).unwrap_err();
    let message = caught.downcast_ref::<&str>().copied().unwrap_or_default();
    assert_eq!(message, "greenlet body panicked");
}

struct Flag(Rc<Cell<bool>>);

impl Drop for Flag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn dropping_it_midway_runs_the_destructors_on_its_stack() {
    let dropped = Rc::new(Cell::new(false));
    let flag = Flag(dropped.clone());
    let mut g = greenlet(move |y| {
        let _held = flag;
        let mut i = 0u64;
        loop {
            y.yield_(i);
            i += 1;
        }
    });
    assert_eq!(g.next(), Some(0));
    assert_eq!(g.next(), Some(1));
    assert!(!dropped.get());
    drop(g);
    assert!(dropped.get());
    // Never started: nothing to unwind, the closure is dropped.
    let dropped = Rc::new(Cell::new(false));
    let flag = Flag(dropped.clone());
    drop(greenlet(move |y: &Yielder<'_, u8>| {
        let _held = flag;
        y.yield_(1);
    }));
    assert!(dropped.get());
}
