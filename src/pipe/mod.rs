//! The `|` operator: producers, stages and sinks chained like shell pipes.
//!
//! One trait, [`PipeRhs<L>`], decides what `left | right` means, with one `BitOr` impl per
//! left-hand type:
//!
//! | left | right | result |
//! |---|---|---|
//! | `Gen` (producer) | [`Stage`] | a new lazy `Gen` |
//! | `Gen` | sink | runs the pipeline: the sink's value (`Result<Out, E>` if the producer can fail) |
//! | `Stage` | `Stage` | a `Stage` |
//! | `Stage` | sink | a sink |
//!
//! A sink of your own (any [`Sink`] impl) goes after `|` as [`sink(my_sink)`](crate::sinks::sink).
//!
//! Why one trait and not a stage impl beside a sink impl: two `BitOr` impls on one left type
//! overlap (E0119), because any type might implement both traits.
//!
//! # Closures and `|`
//! In `gen | filter(|x| *x > 2)` rustc checks the closure before `|` supplies its argument type,
//! and fails with E0282. Write the argument type (`filter(|x: &u32| *x > 2)`), or use the method
//! form, which knows it: `gen.filter(|x| *x > 2)`. `Gen` and `Stage` have `map`, `filter`,
//! `filter_map`, `inspect`, `take`, `skip`, `take_while`, `enumerate` and `flat_map` as
//! methods that return `Gen`/`Stage`, so `|` still applies after them.
//!
//! # `?` and `|`
//! `?` binds tighter than `|`: write `(lines(p) | count())?`.
//!
//! # Example
//! ```
//! use genpipe::prelude::*;
//!
//! #[generator]
//! fn evens(input: impl Iterator<Item = u32>) -> Gen<u32> {
//!     for x in input {
//!         if x % 2 == 0 {
//!             yield_!(x);
//!         }
//!     }
//! }
//!
//! let squares = pipe(1..=10u32) | evens() | map(|x: u32| x * x);
//! assert_eq!(squares | sum(), 4 + 16 + 36 + 64 + 100);
//!
//! // A stage piped into a sink is a sink.
//! let even_count = evens() | count();
//! assert_eq!(pipe(1..=10u32) | even_count, 5);
//! ```

use core::ops::BitOr;

use crate::consume::Sink;
use crate::engine::Pull;
use crate::outcome::Outcome;
use crate::produce::Gen;

pub(crate) mod fallible;
mod methods;
pub(crate) mod sinks;
pub(crate) mod stage;
pub(crate) mod stages;
pub(crate) mod try_map;

pub use stage::{Stage, StageOp, StageSink};

/// What `left | self` means. Implemented by stages and sinks; users rarely name it.
///
/// Open: a type of your own may implement it to give `gen | value` (or `stage | value`) any
/// meaning, with no hidden method. For a [`Sink`] of your own there is no need:
/// [`sink(my_sink)`](crate::sinks::sink) puts it after `|`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::{PipeRhs, Pull};
///
/// // `a | b` is `b.pipe_from(a)`.
/// assert_eq!(count().pipe_from(pipe(["x", "y"])), 2);
///
/// /// `gen | Every(n)`: every n-th item, as a `Vec`.
/// struct Every(usize);
///
/// impl<S: Pull> PipeRhs<Gen<S>> for Every {
///     type Output = Vec<S::Item>;
///
///     fn pipe_from(self, left: Gen<S>) -> Vec<S::Item> {
///         left.step_by(self.0).collect()
///     }
/// }
///
/// assert_eq!(pipe(0..10) | Every(3), [0, 3, 6, 9]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot follow `|` here",
    label = "not a stage or a sink for what comes before `|`",
    note = "after `|` comes a stage (a built-in one such as `map(f)`, or a `#[generator]` fn whose LAST parameter is its upstream, `input: impl Iterator<Item = T>`, which `|` supplies) or a sink (`count()`, `collect()`, a `Coro`)",
    note = "a `Gen` there is a producer, not a stage: a `#[generator]` whose upstream parameter is not its last is one"
)]
pub trait PipeRhs<L> {
    /// The result of `left | self`.
    type Output;
    /// Joins `left` and `self`.
    fn pipe_from(self, left: L) -> Self::Output;
}

impl<S: Pull, R: PipeRhs<Gen<S>>> BitOr<R> for Gen<S> {
    type Output = R::Output;

    #[inline(always)]
    fn bitor(self, rhs: R) -> R::Output {
        rhs.pipe_from(self)
    }
}

impl<A, R: PipeRhs<Stage<A>>> BitOr<R> for Stage<A> {
    type Output = R::Output;

    #[inline(always)]
    fn bitor(self, rhs: R) -> R::Output {
        rhs.pipe_from(self)
    }
}

impl<S: Pull> Gen<S> {
    /// Runs the pipeline into `sink` and always returns a `Result` (`E` is `Infallible` when
    /// nothing can fail). `gen | sink` is the same with the `Result` unwrapped when it cannot fail.
    ///
    /// The sink is closed even when the head fails, so it releases what it holds.
    ///
    /// # Errors
    /// The head's error, if its body returned `Err`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    ///
    /// #[generator]
    /// fn digits(s: &'static str) -> Gen<u32, Result<(), char>> {
    ///     for c in s.chars() {
    ///         yield_!(c.to_digit(10).ok_or(c)?);
    ///     }
    ///     Ok(())
    /// }
    ///
    /// assert_eq!(digits("123").try_run(sum()), Ok(6));
    /// assert_eq!(digits("1x3").try_run(sum::<u32>()), Err('x'));
    /// assert_eq!(digits("99") | count(), Ok(2));
    /// ```
    // Inlined into the caller so the loop, the sink and the pipeline are one function: a call
    // that received the pinned pipeline would make LLVM keep all of it in memory.
    #[inline(always)]
    pub fn try_run<K>(self, sink: K) -> Result<K::Out, <S::Return as Outcome>::Error>
    where
        K: Sink<S::Item>,
        S::Return: Outcome,
    {
        let mut sink = sink;
        self.drive(
            // A closure is inlined only if LLVM finds it cheap, and this one holds the whole
            // pipeline: outlined, it receives the pinned pipeline and all of it stays in memory.
            #[inline(always)]
            |mut stage| {
                // Two copies of the loop, one through `pull_fresh` (see `Pull::pull_fresh`).
                macro_rules! pump {
                    ($pull:ident) => {
                        while !sink.is_done() {
                            let Some(item) = stage.as_mut().$pull() else {
                                break;
                            };
                            if sink.send(item).is_err() {
                                break;
                            }
                        }
                    };
                }
                if stage.any_boxed() {
                    pump!(pull);
                } else {
                    pump!(pull_fresh);
                }
                let ret = stage.take_return();
                let out = sink.close();
                <S::Return as Outcome>::into_result(ret).map(|()| out)
            },
        )
    }
}

/// `PipeRhs` for a sink type: `gen | sink` runs, `stage | sink` makes a sink.
///
/// Written per sink type, not as a blanket impl over `Sink`, which would overlap the `Stage`
/// impls (downstream crates may implement `Sink<TheirType>` for `Stage<_>`).
macro_rules! sink_pipe_rhs {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)* GenpipeSrc: $crate::engine::Pull> $crate::pipe::PipeRhs<$crate::produce::Gen<GenpipeSrc>> for $ty
        where
            $ty: $crate::consume::Sink<GenpipeSrc::Item>,
            GenpipeSrc::Return: $crate::outcome::Outcome,
        {
            type Output = <GenpipeSrc::Return as $crate::outcome::Outcome>::Wrap<<$ty as $crate::consume::Sink<GenpipeSrc::Item>>::Out>;

            #[inline(always)]
            fn pipe_from(self, left: $crate::produce::Gen<GenpipeSrc>) -> Self::Output {
                <GenpipeSrc::Return as $crate::outcome::Outcome>::wrap(left.try_run(self))
            }
        }

        impl<$($gen)* GenpipeOp: $crate::pipe::StageOp> $crate::pipe::PipeRhs<$crate::pipe::Stage<GenpipeOp>> for $ty
        where
            $ty: $crate::consume::Sink<GenpipeOp::Out>,
            GenpipeOp::Pushed<$ty>: $crate::consume::Sink<GenpipeOp::In>,
        {
            type Output = $crate::pipe::StageSink<GenpipeOp::Pushed<$ty>>;

            #[inline(always)]
            fn pipe_from(self, left: $crate::pipe::Stage<GenpipeOp>) -> Self::Output {
                $crate::pipe::StageSink(left.into_op().push_into(self))
            }
        }
    };
}
pub(crate) use sink_pipe_rhs;

/// A newtype sink `$ty<K>(K)` that forwards everything to `K`, inlined, and goes after `|`.
macro_rules! forwarding_sink {
    ($ty:ident) => {
        impl<T, K: $crate::consume::Sink<T>> $crate::consume::Sink<T> for $ty<K> {
            type Out = K::Out;

            #[inline(always)]
            fn send(&mut self, item: T) -> Result<(), $crate::consume::SendError<T>> {
                self.0.send(item)
            }

            #[inline(always)]
            fn is_done(&self) -> bool {
                self.0.is_done()
            }

            #[inline(always)]
            fn close(self) -> K::Out {
                self.0.close()
            }
        }
        $crate::pipe::sink_pipe_rhs!([K,] $ty<K>);
    };
}
pub(crate) use forwarding_sink;

sink_pipe_rhs!([P: ?Sized,] crate::consume::Coro<P>);
sink_pipe_rhs!(['a, T, Out,] crate::consume::BoxSink<'a, T, Out>);
