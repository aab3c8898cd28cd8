//! What a pipeline author imports: `use genpipe::prelude::*;`.
//!
//! The macros, the core types, and every stage, sink, source and combinator by its name (the
//! same items live in `genpipe::stages`, `sinks`, `io`, `combinators` and `memo`).
//! `lines_mmap` is not here: it is an `unsafe fn`, imported by path where its contract is read.
//!
//! `genpipe::Error` and `genpipe::Result` are not here: a glob-imported `Result` would hide
//! std's. Neither are the `min` and `max` sinks: a `use std::cmp::{min, max}` would shadow them
//! (or they its functions) without a word; write `sinks::min()` and `sinks::max()`.
//! `sink(my_sink)` is here: a `use std::io::sink` beside the prelude replaces it, but loudly
//! (std's takes no argument, so `| sink(x)` fails to compile), never silently.

#[cfg(feature = "memo")]
pub use crate::memoize;
#[cfg(feature = "async")]
pub use crate::{AsyncCoro, AsyncGen};
pub use crate::{
    BoxCoro, BoxGen, BoxSink, Coro, Gen, IntoGen, LocalBoxCoro, LocalBoxGen, Pull, SendError, Sink,
    Stage, pipe,
};
pub use crate::{coro, generator, recv, yield_, yield_from};
#[cfg(all(unix, feature = "sched"))]
pub use crate::{sched::task, syscall};

pub use crate::combinators::{
    Tagged, broadcast, chain, chunks, dedup, group_count, group_count_into, interleave,
    interleave_tagged, merge_by, merge_by_key, most_common, store_last, take_until, tee, top_k,
    unique, windows,
};
#[cfg(feature = "find")]
pub use crate::io::find;
#[cfg(feature = "progress")]
pub use crate::io::progress;
#[cfg(feature = "io")]
pub use crate::io::{
    AccessRecord, Field, Line, access_log, cat, field, field_by, follow, grep, last_field, lines,
    lines_from, open, parse, per_file, per_file_with, skip_value, stdin, try_parse,
};
#[cfg(feature = "regex")]
pub use crate::io::{captures, grep_re, try_grep_re};
#[cfg(feature = "memo")]
pub use crate::memo::{memo, memo_by, replay};
pub use crate::par::{chunks_timeout, multiplex, on_thread, rate_limit, threaded};
#[cfg(feature = "rayon")]
pub use crate::par::{par_filter_map, par_map};
#[cfg(all(feature = "rayon", feature = "io"))]
pub use crate::par::{par_per_file, par_per_file_with};
pub use crate::sinks::{collect, count, fold, for_each, last, sink, sum};
pub use crate::stages::{
    enumerate, filter, filter_map, flat_map, inspect, map, skip, take, take_while, try_map,
};
