//! What a pipeline author imports: `use genpipe::prelude::*;`.
//!
//! `genpipe::Error` and `genpipe::Result` are not here: a glob-imported `Result` would hide
//! std's. `use std::cmp::{min, max}` shadows the sinks of the same name: write `sinks::min()`.

pub use crate::{
    BoxCoro, BoxGen, BoxSink, Coro, Gen, IntoGen, LocalBoxCoro, LocalBoxGen, Pull, SendError, Sink,
    Stage, pipe,
};
pub use crate::{coro, generator, memoize, recv, yield_, yield_from};

pub use crate::combinators::{Tagged, broadcast, chain, interleave, interleave_tagged};
pub use crate::io::{Field, Line, lines, lines_from};
pub use crate::sinks::{collect, count, fold, for_each, last, max, min, sum};
pub use crate::stages::{
    enumerate, filter, filter_map, flat_map, inspect, map, skip, take, take_while,
};
