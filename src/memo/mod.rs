//! Memoization: [`#[memoize]`](crate::memoize) on functions, the [`memo`] stage, and
//! [`replay`] for producers.
//!
//! All three trade memory for time, so each says what it keeps: `#[memoize]` and `memo` keep one
//! entry per distinct key (bounded with a capacity: exact least-recently-used eviction by the
//! `lru` crate); `replay` keeps every item its source produced.

mod cache;
mod replay;
mod stage;

pub use cache::{Memo, MemoStats};
pub use replay::{Replay, ReplayIter, replay};
pub use stage::{MemoOp, memo, memo_by};

#[doc(hidden)]
pub use cache::MemoSlot;
pub use replay::Replaying;
