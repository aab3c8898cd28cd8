//! The stackless engine: how a generator body runs without an executor, a thread, or a heap
//! allocation per item.
//!
//! A body is an `async` block that receives a [`Co`]. `yield_!(x)` is `co.yield_(x).await`,
//! `recv!()` and a stage's `for x in input` are `co.next().await`. The driver (`Node::resume`)
//! polls the body with a `Waker` whose data pointer is a frame on the driver's stack; the
//! futures find the frame there, put the item in it, and return `Pending`. A stage's `next()`
//! pulls its upstream in place through the frame; a coroutine's is fed by `send`.
//!
//! # Why our own engine
//! genawaiter, the design this learns from, costs 12.5x a hand-written iterator on a 3-stage
//! chain (its `rc` flavour; `sync` takes a mutex per item), and its `stack` flavour's soundness
//! fixes were never released. The same idea with the item in a per-poll stack frame, ids instead
//! of shared slots, and the upstream beside the body instead of inside it reaches the
//! instruction count of hand-written iterators (see `benches/README.md`).
//!
//! # Why this is sound
//! - The frame pointer is only reachable during one poll: the waker's vtable is a private static,
//!   its clones are inert, and the futures check the vtable before using the pointer.
//! - A frame is written only by futures carrying its generator's id, and a `Co` (the only source
//!   of ids) is made together with its node, so the id fixes the frame's item and input types.
//!   An outer generator's `yield_!` awaited inside an inner generator panics instead of writing
//!   a `Y` into a slot of another type.
//! - A panic while polling marks the node finished before it unwinds further: a body is never
//!   resumed in a broken state.

pub(crate) mod co;
pub(crate) mod drive;
pub(crate) mod frame;
pub(crate) mod pull;
pub(crate) mod waker;

pub use co::{Co, Next, Recv, Yield};
pub use drive::{Detached, Node};
pub(crate) use frame::Step;
pub use pull::{IterPull, NoInput, Pull, PushSlot};
