//! The closure methods of `Stage` and `Gen` (`.map(f)`, `.filter(p)`, ...): the argument type
//! is known there, so closures need no annotations. Above both the stage machinery
//! (`stage.rs`) and the built-in stages (`stages.rs`, `try_map.rs`), so neither imports the
//! other.

use super::stage::{Composed, Stage, StageOp};
use super::stages::{
    EnumerateOp, FilterMapOp, FilterOp, FlatMapOp, InspectOp, MapOp, SkipOp, TakeOp, TakeWhileOp,
};
use super::try_map::TryMapOp;
use crate::engine::Pull;
use crate::error::Error;
use crate::produce::Gen;

macro_rules! closure_methods {
    ($item:ty, $wrap:ident) => {
        /// Applies `f` to every item (the method form of [`map`](crate::stages::map)).
pub fn map<F, O>(self, f: F) -> $wrap!(MapOp<F, $item>)
        where
            F: FnMut($item) -> O,
        {
            self.then(MapOp::new(f))
        }

        /// Keeps the items for which `pred` is true.
pub fn filter<P>(self, pred: P) -> $wrap!(FilterOp<P, $item>)
        where
            P: FnMut(&$item) -> bool,
        {
            self.then(FilterOp::new(pred))
        }

        /// Maps and keeps the `Some`s.
pub fn filter_map<F, O>(self, f: F) -> $wrap!(FilterMapOp<F, $item>)
        where
            F: FnMut($item) -> Option<O>,
        {
            self.then(FilterMapOp::new(f))
        }

        /// Calls `f` on every item and passes it on.
pub fn inspect<F>(self, f: F) -> $wrap!(InspectOp<F, $item>)
        where
            F: FnMut(&$item),
        {
            self.then(InspectOp::new(f))
        }

        /// The first `n` items; stops pulling after them.
        pub fn take(self, n: usize) -> $wrap!(TakeOp<$item>) {
            self.then(TakeOp::new(n))
        }

        /// Drops the first `n` items.
        pub fn skip(self, n: usize) -> $wrap!(SkipOp<$item>) {
            self.then(SkipOp::new(n))
        }

        /// Items while `pred` holds; stops at the first that fails it.
pub fn take_while<P>(self, pred: P) -> $wrap!(TakeWhileOp<P, $item>)
        where
            P: FnMut(&$item) -> bool,
        {
            self.then(TakeWhileOp::new(pred))
        }

        /// Pairs every item with its index, from 0.
        pub fn enumerate(self) -> $wrap!(EnumerateOp<$item>) {
            self.then(EnumerateOp::new())
        }

        /// Applies `f` to every item; the first `Err` ends the pipeline with that error (the
        /// method form of [`try_map`](crate::stages::try_map)).
pub fn try_map<F, O, E>(self, f: F) -> $wrap!(TryMapOp<F, $item>)
        where
            F: FnMut($item) -> Result<O, E>,
            E: Into<Error>,
        {
            self.then(TryMapOp::new(f))
        }

        /// Maps every item to an iterable and yields its items.
pub fn flat_map<F, I>(self, f: F) -> $wrap!(FlatMapOp<F, $item, I>)
        where
            F: FnMut($item) -> I,
            I: IntoIterator,
        {
            self.then(FlatMapOp::new(f))
        }
    };
}

macro_rules! stage_of {
    ($op:ty) => { Stage<Composed<A, $op>> };
}
macro_rules! gen_of {
    ($op:ty) => { Gen<<$op as StageOp>::Pulled<Gen<S>>> };
}

/// Closure methods: the argument type is known here, so closures need no annotations.
impl<A: StageOp> Stage<A> {
    closure_methods!(A::Out, stage_of);
}

/// Closure methods on producers; they shadow `Iterator`'s and return `Gen`, so `|` still applies.
impl<S: Pull> Gen<S> {
    closure_methods!(S::Item, gen_of);
}
