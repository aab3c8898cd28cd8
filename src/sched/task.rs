//! `Task<R>`: what the scheduler runs, made by `#[task]` or from any `Gen`.

use std::fmt;
use std::marker::PhantomData;

use crate::consume::{Coro, Resume};
use crate::engine::Pull;
use crate::produce::Gen;
use crate::sched::protocol::{Body, Call, ErasedTask, Reply, Request, Resumed};

/// A task that ends with `R`: a `#[task] fn` (which suspends at each `syscall!`), or any
/// generator made one with [`Task::from_gen`] (each item it yields is a yield point).
///
/// Making a task runs none of it: the scheduler starts it. Tasks stay on the scheduler's thread,
/// so they may hold values that are not `Send` (an `Rc`, a `RefCell` borrow across a call).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::{GetTid, Scheduler, Task, Yield};
///
/// #[task]
/// fn worker(n: u32) -> Task<u32> {
///     let me = syscall!(GetTid);
///     for _ in 0..n {
///         syscall!(Yield);
///     }
///     me.0 as u32 * 100 + n
/// }
///
/// let mut s = Scheduler::new();
/// s.spawn(worker(2));
/// s.spawn(worker(1));
/// let ended = s.run();
/// // The shorter one ends first.
/// assert_eq!(ended[0].value::<u32>(), Some(&201));
/// assert_eq!(ended[1].value::<u32>(), Some(&102));
/// ```
pub struct Task<R> {
    erased: ErasedTask,
    _ends_with: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for Task<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.erased.name)
            .finish_non_exhaustive()
    }
}

/// The body's concrete coroutine, boxed once with the task: one dynamic call a switch (a
/// `BoxCoro` inside would make two).
struct CoroBody<P: Resume> {
    coro: Option<Coro<P>>,
}

impl<P> Body for CoroBody<P>
where
    P: Resume<In = Reply, Reply = Request>,
    P::Out: 'static,
{
    fn resume(&mut self, reply: Reply) -> Resumed {
        let coro = self
            .coro
            .as_mut()
            .expect("genpipe: a task resumed after its end");
        if let Ok(Some(Request(call))) = coro.ask(reply) {
            return Resumed::Called(call);
        }
        let coro = self.coro.take().expect("checked above");
        Resumed::Ended(Box::new(coro.close()))
    }
}

struct GenBody<S: Pull> {
    generator: Option<Gen<S>>,
}

impl<S: Pull + 'static> Body for GenBody<S>
where
    S::Return: 'static,
{
    fn resume(&mut self, _: Reply) -> Resumed {
        let generator = self
            .generator
            .as_mut()
            .expect("genpipe: a task resumed after its end");
        if generator.next().is_some() {
            return Resumed::Called(Call::Yield);
        }
        let generator = self.generator.take().expect("checked above");
        Resumed::Ended(Box::new(generator.finish()))
    }
}

impl<R: 'static> Task<R> {
    #[doc(hidden)]
    pub fn __from_body<P>(name: &str, coro: Coro<P>) -> Self
    where
        P: Resume<In = Reply, Out = R, Reply = Request> + 'static,
    {
        Task {
            erased: ErasedTask {
                name: name.to_string(),
                body: Box::new(CoroBody { coro: Some(coro) }),
            },
            _ends_with: PhantomData,
        }
    }

    /// The same task under another name (in outcomes and traces; a `#[task]` is named after
    /// its function).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::sched::{Scheduler, Task};
    ///
    /// let mut s = Scheduler::new();
    /// s.spawn(Task::from_gen("counting", pipe(0..3)).named("three"));
    /// assert_eq!(s.run()[0].name(), "three");
    /// ```
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.erased.name = name.into();
        self
    }

    pub(crate) fn erase(self) -> ErasedTask {
        self.erased
    }

    /// A task of this type from an erased body (a green task's).
    #[cfg(feature = "stackful")]
    pub(crate) fn from_erased(erased: ErasedTask) -> Self {
        Task {
            erased,
            _ends_with: PhantomData,
        }
    }
}

impl Task<()> {
    /// Any generator as a cooperative task: each item it yields is one yield point (the item is
    /// dropped), and the task ends with the generator's return value. A `#[generator]` that
    /// yields after each unit of work is a task that shares the thread fairly.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::sched::{Scheduler, Task};
    ///
    /// #[generator]
    /// fn count_matches(lines: Vec<&'static str>) -> Gen<(), usize> {
    ///     let mut n = 0;
    ///     for line in lines {
    ///         n += usize::from(line.contains("404"));
    ///         yield_!(()); // give way after each line
    ///     }
    ///     n
    /// }
    ///
    /// let mut s = Scheduler::new();
    /// s.spawn(Task::from_gen("a", count_matches(vec!["404", "200", "404"])));
    /// s.spawn(Task::from_gen("b", count_matches(vec!["404"])));
    /// let ended = s.run();
    /// assert_eq!((ended[0].name(), ended[0].value::<usize>()), ("b", Some(&1)));
    /// assert_eq!((ended[1].name(), ended[1].value::<usize>()), ("a", Some(&2)));
    /// ```
    pub fn from_gen<S>(name: &str, generator: Gen<S>) -> Task<S::Return>
    where
        S: Pull + 'static,
        S::Return: 'static,
    {
        Task {
            erased: ErasedTask {
                name: name.to_string(),
                body: Box::new(GenBody {
                    generator: Some(generator),
                }),
            },
            _ends_with: PhantomData,
        }
    }
}
