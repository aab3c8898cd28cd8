//! The supertraits that seal `Pull`, `StageOp` and `Resume`: implemented beside each of the
//! crate's own impls, and nowhere else can be.
//!
//! Why sealed: a producer of one's own is an `Iterator` piped in (`pipe(iter)`) or a
//! `#[generator]`, a stage is a `#[generator]` or a closure stage, a sink is a `Sink` impl (that
//! one is open). The traits' hidden fast paths (`pull_fresh`, `pull_matching`, ...) can then
//! change without breaking anybody.

/// Seals [`crate::Pull`].
#[diagnostic::on_unimplemented(
    message = "`genpipe::Pull` is sealed: `{Self}` cannot implement it",
    note = "a producer of your own is an `Iterator` piped in (`pipe(iter)`), or a `#[generator]` fn"
)]
pub trait Pull {}
/// Seals [`crate::StageOp`].
#[diagnostic::on_unimplemented(
    message = "`genpipe::StageOp` is sealed: `{Self}` cannot implement it",
    note = "a stage of your own is a `#[generator]` fn whose last parameter is its upstream, or a closure stage (`map`, `filter_map`, `flat_map`)"
)]
pub trait StageOp {}
/// Seals [`crate::Resume`].
#[diagnostic::on_unimplemented(
    message = "`genpipe::Resume` is sealed: `{Self}` cannot implement it",
    note = "a coroutine is a `#[coro]` fn; a consumer of your own is a `Sink` impl, piped into as `sink(my_sink)`"
)]
pub trait Resume {}
