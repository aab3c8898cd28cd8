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
//! # Why this is fast
//! A stackless pipeline is fast only when LLVM keeps the one pinned pipeline value (every
//! stage's upstream, body state and flags) in registers. That needs every body's `poll` inlined
//! into the driving loop and no pointer into the pipeline reaching any out-of-line call, even on
//! a path never taken. So: every body is an `#[inline(always)] async move` block; the frame waker
//! is never dropped (`ManuallyDrop`), since its drop is an indirect call with the frame's
//! address; the frame itself has no drop glue (an item dropped in place would hand the frame's
//! address to its destructor: values leave it by value, see `Frame::slot`); the loop between
//! a consumer and the pipeline (`try_run`, `fold`, their closures, every `take_return`, the
//! panic fuse's drop, a coroutine's `close`) is always inlined; pull mode and push mode each resume in one poll; a `Gen`
//! upstream already boxed by `next()` is reached only through functions that are never inlined
//! and take the heap address; and the drivers ask once whether such an upstream exists
//! ([`Pull::any_boxed`]) and otherwise pull through [`Pull::pull_fresh`], a path with no call at
//! all. Measured per step in `benches/README.md`.
//!
//! # Why this is sound
//! - The frame pointer is only reachable during one poll: the waker's vtable is a private static,
//!   its clones are inert, and the futures check the vtable before using the pointer.
//! - The frame is used only by the thread polling the body. During a poll, a body can hand its
//!   borrowed waker (`Waker` is `Sync`) and its `Co` (`Send`) to a scoped thread, which could
//!   then write the slot the driver is using, or take a `!Send` input out of it. So the driver
//!   writes a token of its thread (the address of a thread-local byte, distinct for every live
//!   thread, and the polling thread is alive for the whole poll) into the frame's header before
//!   the poll, and every future compares it with its own thread's token before it touches the
//!   frame; another thread panics there instead. The header is written before the poll and only
//!   read during it, so reading it from the other thread races with nothing. On the driving
//!   thread both tokens are the same thread-local address in one inlined function, and the check
//!   folds away (no instruction per item, `scripts/instructions.sh`).
//! - The body's `Co` binding has mixed-site hygiene, so user code in a `#[generator]` or
//!   `#[coro]` body cannot name it; only `genpipe::__private` reaches a `Co`, and the checks
//!   above hold for it too (`tests/engine.rs` runs the misuse under Miri).
//! - A frame is written only by futures carrying its generator's id, and a `Co` (the only source
//!   of ids) is made together with its node, so the id fixes the frame's item and input types.
//!   An outer generator's `yield_!` awaited inside an inner generator panics instead of writing
//!   a `Y` into a slot of another type.
//! - A panic while polling marks the node finished before it unwinds further: a body is never
//!   resumed in a broken state.

pub(crate) mod co;
pub(crate) mod drive;
pub(crate) mod frame;
pub(crate) mod heap;
pub(crate) mod pull;
pub(crate) mod waker;

pub use co::{Co, Next, Recv, Yield};
pub use drive::{GeneratorOp, Node};
pub(crate) use frame::Step;
pub use pull::{IterPull, NoInput, Pull, PushSlot};
