//! `Stage`: a pipeline step built before its upstream is known.

use core::fmt;
use core::future::Future;
use core::pin::Pin;

use crate::consume::{SendError, Sink};
use crate::engine::{GeneratorOp, IterPull, Node, Pull, PushSlot, Step};
use crate::outcome::StageEnd;
use crate::produce::Gen;

/// A stage waiting for its upstream: `gen | stage` attaches it, `stage.over(iter)` applies it to
/// an iterator, `stage | sink` makes a sink of it, `stage | stage` a longer stage.
///
/// Every stage constructor returns one: the built-ins ([`map`](crate::stages::map),
/// [`filter`](crate::stages::filter), ...) and every `#[generator]` whose last parameter is its
/// upstream (`input: impl Iterator<Item = T>`).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// #[generator]
/// fn doubled(input: impl Iterator<Item = u32>) -> Gen<u32> {
///     for x in input {
///         yield_!(x * 2);
///     }
/// }
///
/// assert_eq!(doubled().over([1, 2, 3]).collect::<Vec<_>>(), [2, 4, 6]);
/// assert_eq!(pipe([1, 2, 3]) | doubled() | doubled() | sum(), 24);
/// ```
#[must_use = "pipeline stages are lazy and do nothing unless attached to a producer"]
#[derive(Clone)]
pub struct Stage<A>(A);

impl<A> fmt::Debug for Stage<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Stage { .. }")
    }
}

/// What a [`Stage`] holds: how it runs pulled (attached to an upstream) and pushed (as a sink).
///
/// Implemented by the built-in stages, by `#[generator]` stages, and by `stage | stage`.
/// Sealed: a stage of your own is a `#[generator]` whose last parameter is its upstream, or a
/// closure stage (`map`, `filter_map`, `flat_map`, ...).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::StageOp;
///
/// // A function generic over any stage from `u32` to `u32`.
/// fn twice<A>(stage: Stage<A>, xs: Vec<u32>) -> Vec<u32>
/// where
///     A: StageOp<In = u32, Out = u32>,
///     A::Pulled<genpipe::IterPull<std::vec::IntoIter<u32>>>: Pull<Item = u32>,
/// {
///     stage.over(xs).collect()
/// }
/// assert_eq!(twice(map(|x: u32| x * 2), vec![1, 2]), [2, 4]);
/// ```
pub trait StageOp: crate::sealed::StageOp {
    /// What the stage takes from its upstream.
    type In;
    /// What it yields.
    type Out;
    /// The stage attached to the upstream `U`: a [`Pull`] of `Out` when `U` is a `Pull` of `In`.
    /// Its `Return` is the upstream's for most stages, `genpipe::Result<()>` for stages that can
    /// fail themselves (`parse`).
    ///
    /// Why no bounds here: a fallible stage is a `Pull` only for upstreams whose outcome it can
    /// merge with its own errors; the bounds are checked where the stage is attached.
    type Pulled<U>;
    /// The stage feeding the sink `K`: a [`Sink`] of `In` when `K` is a `Sink` of `Out`.
    type Pushed<K>;

    /// Attaches the upstream.
    fn attach<U>(self, up: U) -> Self::Pulled<U>;
    /// Makes a sink that runs the stage on every sent item and forwards to `down`.
    fn push_into<K>(self, down: K) -> Self::Pushed<K>;
}

impl<A> Stage<A> {
    #[doc(hidden)]
    pub fn new(op: A) -> Self {
        Stage(op)
    }

    #[doc(hidden)]
    pub fn into_op(self) -> A {
        self.0
    }

    #[doc(hidden)]
    pub fn op(&self) -> &A {
        &self.0
    }
}

impl<A: StageOp> Stage<A> {
    /// Applies the stage to any iterable.
    pub fn over<I>(self, iter: I) -> Gen<A::Pulled<IterPull<I::IntoIter>>>
    where
        I: IntoIterator<Item = A::In>,
    {
        Gen::from_pull(self.0.attach(IterPull::new(iter.into_iter())))
    }

    /// This stage, then `next`.
    pub(crate) fn then<B: StageOp<In = A::Out>>(self, next: B) -> Stage<Composed<A, B>> {
        Stage(Composed {
            first: self.0,
            second: next,
        })
    }
}

impl<S: Pull> Gen<S> {
    /// This producer, then the stage `next`.
    pub(crate) fn then<B: StageOp<In = S::Item>>(self, next: B) -> Gen<B::Pulled<Gen<S>>> {
        Gen::from_pull(next.attach(self))
    }
}

/// `stage_a | stage_b`: a stage running `a` then `b`. See [`Stage`] for the example.
///
/// Not named `Chain`: that is [`chain`](crate::combinators::chain)'s sources one after
/// another (`combinators::Chain`); a crate with two public `Chain`s makes users rename one.
#[derive(Debug)]
pub struct Composed<A, B> {
    first: A,
    second: B,
}

impl<A: StageOp, B: StageOp<In = A::Out>> crate::sealed::StageOp for Composed<A, B> {}
impl<A: StageOp, B: StageOp<In = A::Out>> StageOp for Composed<A, B> {
    type In = A::In;
    type Out = B::Out;
    type Pulled<U> = B::Pulled<A::Pulled<U>>;
    type Pushed<K> = A::Pushed<B::Pushed<K>>;

    #[inline(always)]
    fn attach<U>(self, up: U) -> Self::Pulled<U> {
        self.second.attach(self.first.attach(up))
    }

    fn push_into<K>(self, down: K) -> Self::Pushed<K> {
        self.first.push_into(self.second.push_into(down))
    }
}

impl<S: Pull, A: StageOp<In = S::Item>> super::PipeRhs<Gen<S>> for Stage<A>
where
    A::Pulled<Gen<S>>: Pull<Item = A::Out>,
{
    type Output = Gen<A::Pulled<Gen<S>>>;

    #[inline(always)]
    fn pipe_from(self, left: Gen<S>) -> Self::Output {
        Gen::from_pull(self.0.attach(left))
    }
}

impl<A: StageOp, B: StageOp<In = A::Out>> super::PipeRhs<Stage<A>> for Stage<B> {
    type Output = Stage<Composed<A, B>>;

    fn pipe_from(self, left: Stage<A>) -> Self::Output {
        left.then(self.0)
    }
}

/// A `#[generator]` stage: its body, built with its own `Co`, waiting for an upstream.
impl<F: Future, Y, In> crate::sealed::StageOp for GeneratorOp<F, Y, In> {}
impl<F: Future, Y, In> StageOp for GeneratorOp<F, Y, In> {
    type In = In;
    type Out = Y;
    type Pulled<U> = Node<U, F, Y, In>;
    type Pushed<K> = PushedGen<F, Y, In, K>;

    #[inline(always)]
    fn attach<U>(self, up: U) -> Node<U, F, Y, In> {
        GeneratorOp::attach(self, up)
    }

    fn push_into<K>(self, down: K) -> PushedGen<F, Y, In, K> {
        PushedGen {
            node: Box::pin(GeneratorOp::attach(self, PushSlot::default())),
            down,
            ended: false,
        }
    }
}

/// A stage body fed by `send`.
type PushedNode<F, Y, In> = Node<PushSlot<In>, F, Y, In>;

/// A `#[generator]` stage driven by `send`: each sent item resumes the body, whose yields go to
/// the downstream sink. The body is pinned in one allocation, made when the sink is built.
/// Made by `stage | sink`; see [`StageSink`] for the example.
pub struct PushedGen<F: Future, Y, In, K> {
    node: Pin<Box<PushedNode<F, Y, In>>>,
    down: K,
    ended: bool,
}

impl<F: Future, Y, In, K> fmt::Debug for PushedGen<F, Y, In, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushedGen")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<F: Future, Y, In, K: Sink<Y>> PushedGen<F, Y, In, K> {
    /// Resumes the body until it wants input or ends, forwarding its items; what the body did
    /// not take of `pending` is left there.
    fn run_body(&mut self, pending: &mut Option<In>) {
        loop {
            match self.node.as_mut().resume_with(pending) {
                Step::Yielded(item) => {
                    if self.down.send(item).is_err() {
                        self.ended = true;
                        return;
                    }
                }
                Step::WantsInput(_) => return,
                Step::Done => {
                    self.ended = true;
                    return;
                }
            }
        }
    }
}

impl<F: Future, Y, In, K: Sink<Y>> Sink<In> for PushedGen<F, Y, In, K>
where
    F::Output: StageEnd<()>,
{
    type Out = <F::Output as StageEnd<()>>::Wrap<K::Out>;

    fn send(&mut self, item: In) -> Result<(), SendError<In>> {
        if self.ended {
            return Err(SendError(item));
        }
        let mut pending = Some(item);
        self.run_body(&mut pending);
        match pending {
            Some(untaken) => Err(SendError(untaken)),
            None => Ok(()),
        }
    }

    fn is_done(&self) -> bool {
        self.ended || self.down.is_done()
    }

    fn close(mut self) -> Self::Out {
        if !self.ended {
            self.node.as_mut().up_mut().get_mut().closed = true;
            self.run_body(&mut None);
        }
        // A fallible body's error wins; the downstream sink is closed either way.
        let body = self.node.as_mut().take_body_return();
        StageEnd::wrap(body, self.down.close())
    }
}

/// A stage piped into a sink: `filter(..) | count()`. It is a sink itself, so it can go
/// wherever a sink goes (after `|`, into `broadcast`, or `send` by hand).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
///
/// let mut evens = filter(|x: &u32| x % 2 == 0) | count();
/// for x in 1..=4 {
///     evens.send(x).unwrap();
/// }
/// assert_eq!(evens.close(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct StageSink<P>(pub(crate) P);

super::forwarding_sink!(StageSink);
