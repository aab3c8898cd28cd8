//! Fan-out and fan-in: one stream to several consumers ([`broadcast`]), several producers into
//! one ([`chain`], [`interleave`], [`interleave_tagged`]).

mod broadcast;
mod interleave;

pub use broadcast::{Broadcast, broadcast};
pub use interleave::{Chain, Interleave, Tagged, chain, interleave, interleave_tagged};
