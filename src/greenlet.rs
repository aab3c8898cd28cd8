//! Greenlets: generators whose body can yield from any depth of plain function calls, each on
//! a stack of its own (corosensei), as Python's greenlets switch anywhere in the stack.
//!
//! A `#[generator]` can only yield from its own body: its state is one state machine. A
//! recursive walk, a visitor a library calls back, a parser that reports events through a
//! `&mut dyn FnMut`: none of those can be rewritten as one, and a greenlet runs them as they
//! are. The price: a stack per greenlet (corosensei's default, 1 MiB of address space, of which
//! only the pages touched are committed), and a switch that saves and restores registers (a few
//! nanoseconds more than a `Gen` pull; `benches/switch.rs`). It builds where corosensei does:
//! x86, x86_64, AArch64, ARM, RISC-V, LoongArch and PowerPC64 (Unix; x86 and x86_64 on Windows
//! too), with `panic = "unwind"` (the default), which dropping a suspended greenlet needs to
//! unwind its stack.

use std::fmt;
use std::pin::Pin;

use corosensei::{Coroutine, CoroutineResult};

use crate::engine::Pull;
use crate::produce::Gen;

/// What a greenlet's body and every function it calls yield with: [`yield_`](Yielder::yield_)
/// switches back to whoever pulled, from however deep in the stack.
pub struct Yielder<'a, T> {
    inner: &'a corosensei::Yielder<(), T>,
}

impl<T> fmt::Debug for Yielder<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Yielder")
    }
}

impl<T> Yielder<'_, T> {
    /// Hands `item` to the consumer and returns when it asks for the next one.
    pub fn yield_(&self, item: T) {
        self.inner.suspend(item);
    }
}

/// The stackful generator behind [`greenlet`].
pub struct Greenlet<T, R> {
    coroutine: Option<Coroutine<(), T, R>>,
    ret: Option<R>,
}

impl<T, R> fmt::Debug for Greenlet<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Greenlet")
            .field("running", &self.coroutine.is_some())
            .finish()
    }
}

// The coroutine lives on its own stack, behind a pointer: moving the handle moves nothing it
// points into.
impl<T, R> Unpin for Greenlet<T, R> {}

impl<T, R> crate::sealed::Pull for Greenlet<T, R> {}
impl<T, R> Pull for Greenlet<T, R> {
    type Item = T;
    type Return = R;

    fn pull(self: Pin<&mut Self>) -> Option<T> {
        let this = self.get_mut();
        // Out of its slot while it runs: a body that panics leaves it out (dropped as the
        // panic unwinds), so a pull after the panic returns `None`, as a generator's does.
        let mut coroutine = this.coroutine.take()?;
        match resume_outside_green_task(&mut coroutine) {
            CoroutineResult::Yield(item) => {
                this.coroutine = Some(coroutine);
                Some(item)
            }
            CoroutineResult::Return(ret) => {
                this.ret = Some(ret);
                None
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<R> {
        self.get_mut().ret.take()
    }
}

/// Resumes `coroutine`: in a green task of the scheduler, with the task hidden, so that an
/// operation of `sched` made inside this greenlet (on its own stack) blocks instead of
/// switching the green task's stack from this one.
fn resume_outside_green_task<T, R>(coroutine: &mut Coroutine<(), T, R>) -> CoroutineResult<T, R> {
    #[cfg(feature = "sched")]
    return crate::sched::green::hidden(|| coroutine.resume(()));
    #[cfg(not(feature = "sched"))]
    coroutine.resume(())
}

/// A generator whose body, and any function it calls, yields through the [`Yielder`] it is
/// given: a recursive walk or a callback-driven parser becomes a lazy `Gen` as it is written.
/// It pipes like any `Gen`; a panic in the body unwinds to whoever pulled; dropping it before
/// its end unwinds its stack, so destructors there run.
///
/// Feature `stackful`. The body is `'static` and the `Gen` is not `Send`: its stack stays with
/// the thread that made it.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::greenlet::{Yielder, greenlet};
///
/// enum Tree {
///     Leaf(u32),
///     Node(Vec<Tree>),
/// }
///
/// // A plain recursive function: it yields from whatever depth it is at.
/// fn walk(tree: &Tree, y: &Yielder<'_, u32>) {
///     match tree {
///         Tree::Leaf(n) => y.yield_(*n),
///         Tree::Node(children) => children.iter().for_each(|c| walk(c, y)),
///     }
/// }
///
/// let tree = Tree::Node(vec![Tree::Leaf(1), Tree::Node(vec![Tree::Leaf(2), Tree::Leaf(3)])]);
/// let leaves = greenlet(move |y| walk(&tree, y)) | map(|n: u32| n * 10) | collect::<Vec<_>>();
/// assert_eq!(leaves, [10, 20, 30]);
/// ```
pub fn greenlet<T, R, F>(body: F) -> Gen<Greenlet<T, R>>
where
    F: FnOnce(&Yielder<'_, T>) -> R + 'static,
    T: 'static,
    R: 'static,
{
    let coroutine =
        Coroutine::new(move |inner: &corosensei::Yielder<(), T>, ()| body(&Yielder { inner }));
    Gen::from_pull(Greenlet {
        coroutine: Some(coroutine),
        ret: None,
    })
}
