//! Generator and coroutine pipelines for Rust: lazy producers written with `yield_!`,
//! send-driven consumers written with `recv!()`, chained like shell pipes.
//!
//! # Overview
//! - A **producer** is a function marked [`#[generator]`](generator) that says `yield_!(x)`. It
//!   becomes a [`Gen`]: an `Iterator` that runs its body one item at a time, on demand.
//! - A **stage** is a generator whose last parameter is its upstream
//!   (`input: impl Iterator<Item = T>`); the macro removes that parameter, and `|` supplies it.
//!   The built-in stages ([`stages`]) are `map`, `filter`, `take`, ...
//! - A **consumer** is a function marked [`#[coro]`](coro) that says `recv!()`. It becomes a
//!   [`Coro`]: `send(x)` pushes a value in, `close()` ends it and returns its result. It is ready
//!   as soon as it is made.
//! - **Pipes**: `producer | stage | stage | sink` reads left to right; the sink ([`sinks`], or
//!   any `Coro`) runs the pipeline and returns its value. [`combinators`] fans a stream out
//!   (`broadcast` to several sinks in one pass, `tee` to several lazy readers), merges sources
//!   (`chain`, `interleave`, sorted `merge_by`), and has small stages and counting sinks.
//! - **Memoization**: [`#[memoize]`](memoize) caches a function's results (LRU capacity, TTL,
//!   per-thread or shared, with `stats()`); [`memo`](memo::memo) caches a costly stage;
//!   [`replay`](memo::replay) makes a producer's output iterable again without recomputing it.
//! - **Logs**: [`io`] reads files (plain, `.gz`, `.bz2`, mapped, followed) as zero-copy
//!   [`io::Line`]s, with `grep` searching whole read buffers; [`mem`] measures heap peaks.
//!
//! # Example: a pull pipeline
//! ```
//! use genpipe::prelude::*;
//!
//! #[generator]
//! fn countdown(n: u32) -> Gen<u32> {
//!     for i in (1..=n).rev() {
//!         yield_!(i);
//!     }
//! }
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
//! assert_eq!(countdown(10) | evens() | collect::<Vec<_>>(), [10, 8, 6, 4, 2]);
//! assert_eq!(countdown(10) | evens() | sum(), 30);
//! ```
//!
//! # Example: a push pipeline
//! ```
//! use genpipe::prelude::*;
//!
//! #[coro]
//! fn matching(pattern: &'static str, mut target: impl Sink<String>) -> Coro<String, ()> {
//!     while let Some(line) = recv!() {
//!         if line.contains(pattern) && target.send(line).is_err() {
//!             break;
//!         }
//!     }
//!     target.close();
//! }
//!
//! #[coro]
//! fn collector() -> Coro<String, Vec<String>> {
//!     let mut seen = Vec::new();
//!     while let Some(line) = recv!() {
//!         seen.push(line);
//!     }
//!     seen
//! }
//!
//! let mut grep = matching("python", collector());
//! for line in ["python rocks", "rust rocks", "python again"] {
//!     grep.send(line.to_string()).unwrap();
//! }
//! grep.close();
//! ```
//!
//! # Example: results, errors and `finish`
//! ```
//! use genpipe::prelude::*;
//!
//! #[generator]
//! fn parse_all(words: Vec<&'static str>) -> Gen<u64, Result<(), std::num::ParseIntError>> {
//!     for w in words {
//!         yield_!(w.parse()?);
//!     }
//!     Ok(())
//! }
//!
//! assert_eq!(parse_all(vec!["1", "2"]) | sum(), Ok(3));
//! assert!((parse_all(vec!["1", "x"]) | sum::<u64>()).is_err());
//! ```
//!
//! # Async Rust (feature `async`)
//! Which bridge when (the [`stream`] module has the whole table):
//! - a pipeline in async code: `gen.into_stream()` for CPU work and in-memory data (it runs in
//!   `poll_next`, giving way every 128 items), `gen.into_stream_threaded(cap)` for pipelines
//!   that block (files, `follow`): a thread of its own, stopped when the stream is dropped;
//! - a `Stream` into genpipe: `through(stream, stage)` in async code,
//!   `feed(stream, sink).await` into a sink or `#[coro]`, `from_stream(stream)` as a plain
//!   `Gen` on a thread that may block;
//! - a body that awaits: `#[generator] async fn .. -> AsyncGen<T>` (a `Stream`) and
//!   `#[coro] async fn .. -> AsyncCoro<In, Out>` (`send(x).await`).
//!
#![cfg_attr(feature = "async", doc = "```")]
#![cfg_attr(not(feature = "async"), doc = "```ignore")]
//! use genpipe::prelude::*;
//!
//! #[generator]
//! async fn squares(n: u64) -> AsyncGen<u64> {
//!     for i in 0..n {
//!         std::future::ready(()).await; // a socket, a timer, a request in real code
//!         yield_!(i * i);
//!     }
//! }
//!
//! #[coro]
//! async fn total() -> AsyncCoro<u64, u64> {
//!     let mut sum = 0;
//!     while let Some(x) = recv!() {
//!         sum += x;
//!     }
//!     sum
//! }
//!
//! let sum = futures_executor::block_on(total().send_all(squares(4)));
//! assert_eq!(sum, 14);
//! ```
//!
//! # Why genpipe?
//! Python's generator pipelines are lazy and memory-flat but slow; hand-written `Iterator`
//! structs are fast but turn a five-line generator into a state machine. genpipe keeps the
//! generator's shape, and a chain of simple stages consumed by value or iterated as `pin!(g)`
//! runs the instructions of the hand-written iterators (9 per item for a 3-stage chain, both,
//! measured with cachegrind from a user's crate in four build profiles): the engine passes each
//! item through a stack frame, never the heap, and a pipeline is one value pinned once, which
//! LLVM keeps in registers. Where state must live in memory it costs more, and the README's
//! "Measured" table says how much: a stage with two yield points and state 31.75 against 20.75
//! hand-written, a stage holding a `Vec` 101 against 38.5, a `for` loop over a `Gen` on the
//! heap (`next()`) 65 against 9, `.boxed()` 56 against 9.
//!
//! # How the macros expand
//! `#[generator] fn countdown(n: u32) -> Gen<u32> { .. }` becomes, roughly:
//!
//! ```text
//! fn countdown(n: u32) -> Gen<impl Pull<Item = u32, Return = ()>> {
//!     __private::source::<u32, (), _, _>(move |co| {
//!         #[inline(always)]
//!         async move {
//!             for i in (1..=n).rev() { co.yield_(i).await; }
//!         }
//!     })
//! }
//! ```
//!
//! The body is an `async` block whose output type is the declared return type, so `?` and
//! `return` work as in any function. `yield_!(x)` is `co.yield_(x).await`, `recv!()` is
//! `co.next().await`, and a stage's `for x in input` is
//! `while let Some(x) = input.__genpipe_next().await`, where `input` has been rebound to the
//! stage's upstream handle (so a user binding that shadows it fails to compile instead of being
//! read as the upstream). A stage's real return type is
//! `Stage<stages::GeneratorOp<impl Future<Output = ()>, T, In>>`; a coroutine's is
//! `Coro<impl Resume<In = In, Out = Out, Reply = Reply>>`. The body block is
//! `#[inline(always)]`, which rustc applies to its `poll`: a pipeline is fast only when every
//! body's `poll` is inlined where the pipeline is driven, and with a mere hint LLVM outlines a
//! body that drives more than one pipeline. The `co` binding has mixed-site hygiene: the body's
//! own code cannot name it.
//!
//! A plain body never runs on an async executor: awaiting any other future inside one is a
//! compile error (and, reached through `__private`, a panic), as is a `yield_!` future polled
//! anywhere but in its own generator. An **async body** (`#[generator] async fn .. ->
//! AsyncGen<T>`, `#[coro] async fn .. -> AsyncCoro<In, Out>`, feature `async`) is the same
//! `async` block polled by an executor through [`AsyncGen`]'s `poll_next` (or
//! [`AsyncCoro::send`]): the driver's waker forwards clones and wakes to the executor's, so the
//! body may `.await` anything between its yields.
//!
//! # Design notes
//! Where this crate departs from the sketch in `DESIGN.md`, and why:
//! - A stage's opaque type is its body future, not the whole stage
//!   (`Stage<GeneratorOp<impl Future, ..>>` rather than `Stage<impl StageOp>`): auto traits leak
//!   through an opaque type but not through a projection of one, so `Send` was lost for every
//!   pipeline containing a stage.
//! - In push mode (coroutines, stages used as sinks) the driver hands each sent value to the
//!   body's frame; only pulled upstreams are read through the frame's erased reader. Fewer copies
//!   per value, and no reader to call when there is nothing to read.
//! - [`Sink::is_done`] (default `false`) lets a pipeline stop pulling as soon as its sink has
//!   ended, so the upstream never computes an item nobody takes.
//! - `|` into a sink is implemented per sink type (by a macro), since a blanket impl over every
//!   `Sink` overlaps the `Stage` impl.
//! - `group_count()` counts the items themselves (Python's `Counter`); to count by a key, map
//!   to it first. One way to say it, and `group_count_into::<M>()` needs only the map type.
//! - `tee` and `replay` readers end with their source's outcome, so [`Error`] is `Clone` (the
//!   OS error shared behind an `Arc`): a failing source is reported by every reader, not one.
//! - `store_last()` returns the stage and its side channel as a pair; the channel is
//!   `Send + Sync`, so another thread can watch a running pipeline (a `follow`).
//! - The frame carries a header `{ id, polling thread }` besides DESIGN's `{ id, slot, up, pull }`:
//!   the thread token is the soundness fix for a `Co` and a borrowed waker handed to another
//!   thread during a poll (see the engine's notes in `src/engine/mod.rs`).
//! - `for x in pin!(g)`: [`Gen`] behind `Pin<&mut _>` is an `Iterator` too, the way to loop
//!   over a generator at the by-value speed without the heap allocation `next()` makes.
//! - [`Pull`] has two hidden methods, `any_boxed` and `pull_fresh`: drivers ask once whether a
//!   `Gen` inside the pipeline was boxed by `next()` before being piped, and otherwise pull on a
//!   path with no out-of-line call in it, which is what lets LLVM keep a pipeline in registers.
//!
//! # Crate features
//! The default build is light: `io` and `memo` on top of the engine, the macros, [`Gen`],
//! [`Coro`], `|`, [`stages`], [`sinks`], [`combinators`], [`par`]'s thread stages and [`mem`]
//! (11 crates, `cargo tree -e normal`; a crate using generators and `|` builds cold in 1.4x
//! genawaiter's time, README "Add it"). Two words turn on the rest:
//! - `logs`: everything a log pipeline uses: `io`, `find`, `gzip`, `bzip2`, `regex`, `mmap`,
//!   `progress`.
//! - `full`: every part of the library: `logs`, `zstd`, `xz`, `memo`, `sched`, `rayon`,
//!   `stackful`, `synth`, `async` (not `cli`, the command).
//!
//! One by one:
//! - `io` (default): [`io`]: zero-copy lines, fields, literal `grep`, `follow`, `cat`,
//!   `per_file` (memchr).
//! - `find`: `io::find`, the files under a directory matching a glob (walkdir, globset; globset
//!   brings regex automata, most of the build cost of `regex`).
//! - `gzip`, `bzip2`: `.gz` and `.bz2` line sources and standard input (flate2, bzip2).
//! - `zstd`, `xz`: `.zst` and `.xz` likewise, with the pure-Rust decoders `ruzstd` and
//!   `lzma-rust2`. A compressed file read without its feature ends its source with an error
//!   naming the feature.
//! - `regex`: `grep_re`, `captures`, `.ignore_case()` and `genpipe::io::regex` (regex, and
//!   regex-automata and regex-syntax, the versions regex builds on, for the buffer search).
//! - `mmap`: `io::lines_mmap` (memmap2).
//! - `progress`: `io::progress()`, a bar on a terminal and counters readable from code
//!   (indicatif).
//! - `memo` (default): [`memo`] (`memo`, `memo_by`, `replay`), [`#[memoize]`](memoize) and
//!   `unique().bound(n)` (lru).
//! - `sched` (unix): [`sched`], the scheduler of `#[task]`s and, with `stackful`, of green
//!   tasks (polling; libc for the green stacks' overflow message).
//! - `rayon`: [`par::par_map`], [`par::par_filter_map`] and `par_per_file` on rayon's pool. The
//!   rest of [`par`] (`threaded`, `multiplex`, `on_thread`) needs only std.
//! - `stackful`: [`greenlet`], generators that yield from any depth of calls (corosensei).
//! - `async`: [`stream`], pipelines as `futures_core::Stream`s (in `poll_next`, or on a thread
//!   of their own for pipelines that block), stages run on a `Stream`, sinks fed from one, a
//!   `Stream` as a blocking source; and bodies that `.await`: `#[generator] async fn` makes an
//!   [`AsyncGen`] (a `Stream`), `#[coro] async fn` an [`AsyncCoro`] (futures-core). Which to
//!   use when: the [`stream`] module's table.
//! - `json`: [`io::json_lines`], [`io::try_json_lines`], [`io::to_json_lines`]: JSON Lines
//!   records (serde, serde_json).
//! - `frames`: [`io::frames`], [`io::to_frames`]: length-prefixed binary records, and
//!   [`io::to_coprocess`] / [`io::serve_coprocess`], a consumer in a child process (serde,
//!   postcard).
//! - `xml`: [`io::xml_events`], the events of an XML document, lazily (quick-xml).
//! - `synth`: `genpipe::synth`, seeded synthetic Apache logs of any size (the tests, examples
//!   and benchmarks use it; nothing depends on files outside the repository).
//! - `cli`: the `loggrep` command (`cargo install genpipe --features cli`), and nothing else of
//!   the library.
//!
//! # Using genpipe in a library
//! - **Features.** Depend on what you use:
//!   `genpipe = { version = "0.1", default-features = false }` for generators and pipes alone,
//!   adding `features = ["io"]` (and `find`, `gzip`, `regex`, ...) for log sources. Features only add
//!   items, so your users' own choices never remove one you use.
//! - **Import by module, not the prelude.** The prelude is for applications; it brings every
//!   stage and sink by its short name (`map`, `filter`, `count`, `sum`, `sink`, `lines`, ...),
//!   names that are common in any crate. In a library name the modules:
//!   `use genpipe::{Gen, generator}; use genpipe::{sinks, stages};` and write
//!   `stages::map(f)`, `sinks::count()`. The macros expand to `::genpipe::..` paths and rewrite
//!   `yield_!` themselves, so they work without the prelude.
//! - **Public signatures.** Return `Gen<impl Pull<Item = T, Return = ()>>` (what `#[generator]`
//!   writes; `Return` lets a sink after `|` know the pipeline cannot fail) or
//!   [`BoxGen<'a, T>`](BoxGen) to hide the pipeline's type; a stage is
//!   `Stage<stages::GeneratorOp<impl Future<Output = ()>, Out, In>>`. `Pull`, `StageOp` and
//!   `Resume` are sealed (use them in bounds); [`Sink`] and [`PipeRhs`] are yours to implement.
//! - **Errors.** [`Error`] is `#[non_exhaustive]`, and so are the public structs with public
//!   fields: match with `..` and read their fields.
//! - **MSRV.** The `rust-version` in Cargo.toml (1.88) is the oldest compiler CI builds the
//!   library with (`cargo check --lib`); raising it is a minor-version change.
//!
//! # Example: a library function without the prelude
//! ```
//! use genpipe::{Gen, Pull, generator};
//! use genpipe::{sinks, stages};
//!
//! #[generator]
//! pub fn squares(n: u64) -> Gen<u64> {
//!     for i in 1..=n {
//!         yield_!(i * i);
//!     }
//! }
//!
//! pub fn odd_squares(n: u64) -> Gen<impl Pull<Item = u64, Return = ()>> {
//!     squares(n) | stages::filter(|x: &u64| x % 2 == 1)
//! }
//!
//! assert_eq!(odd_squares(5) | sinks::sum(), 1 + 9 + 25);
//! ```

#![deny(missing_docs)]
// docs.rs (nightly): each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_debug_implementations, unreachable_pub)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![doc(test(attr(deny(warnings))))]

// The macros name `::genpipe`; this makes that path work inside the crate's own tests too.
extern crate self as genpipe;

#[cfg(feature = "async")]
mod async_body;
mod consume;
mod engine;
mod error;
mod outcome;
mod pipe;
mod produce;
mod sealed;
#[cfg(feature = "io")]
mod text;
mod worker;

pub mod combinators;
#[cfg(feature = "stackful")]
pub mod greenlet;
#[cfg(feature = "io")]
pub mod io;
pub mod mem;
#[cfg(feature = "memo")]
pub mod memo;
pub mod par;
pub mod prelude;
#[cfg(all(unix, feature = "sched"))]
pub mod sched;
#[cfg(feature = "async")]
pub mod stream;
#[cfg(feature = "synth")]
pub mod synth;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

// The README's quick start is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use error::{BoxError, Error, Result};
pub use outcome::{IntoPipelineResult, Outcome, StageEnd};

#[cfg(feature = "async")]
pub use async_body::{AsyncAsk, AsyncCoro, AsyncGen, AsyncTryGen};
pub use consume::{BoxCoro, BoxSink, Coro, LocalBoxCoro, Resume, SendError, Sink};
pub use engine::{IterPull, Pull};
pub use pipe::{PipeRhs, Stage, StageOp, StageSink};
pub use produce::{BoxGen, FallibleReturn, Gen, IntoGen, LocalBoxGen, MapErr, TryIter, pipe};

/// Built-in stages: `gen | map(f)`, `gen | filter(p)`, ...
pub mod stages {
    pub use crate::engine::GeneratorOp;
    pub use crate::pipe::fallible::{Checked, FallibleOp, FallibleSink};
    pub use crate::pipe::stage::Composed;
    pub use crate::pipe::stage::PushedGen;
    pub use crate::pipe::stages::{
        Adapt, AdaptSink, EnumerateOp, FilterMapOp, FilterOp, FlatMapOp, InspectOp, MapOp, SkipOp,
        TakeOp, TakeWhileOp, enumerate, filter, filter_map, flat_map, inspect, map, skip, take,
        take_while,
    };
    pub use crate::pipe::try_map::{TryMapOp, TryMapped, try_map};
}

/// Built-in sinks: `gen | count()`, `gen | sum()`, ...
pub mod sinks {
    pub use crate::pipe::sinks::{
        Collect, Count, Fold, ForEach, Pick, Sum, UserSink, collect, count, fold, for_each, last,
        max, min, sink, sum,
    };
}

/// Marks a function that says `yield_!(x)` as a lazy producer. See the [crate docs](crate).
pub use genpipe_macros::generator;

/// Marks a function that says `recv!()` as a send-driven coroutine. See [`Coro`].
pub use genpipe_macros::coro;

#[cfg(feature = "memo")]
/// Caches a function's results by its arguments (Python's `functools.lru_cache`).
///
/// Keys are stored owned: an argument `&T` is kept as `T::Owned` (`fn lookup(host: &str)`
/// caches `String`s, and a one-argument hit costs no allocation), any other argument as a clone.
/// The result type must be `Clone`; a hit returns a clone.
///
/// Options: `capacity = N` (at most N entries, least recently used evicted first, by the `lru`
/// crate; unbounded otherwise), `ttl = <Duration>` (older entries are computed again), and
/// `shared` (one cache for all threads behind a `Mutex`; by default each thread has its own, so
/// nothing is locked).
///
/// For `fn host_key(..)` the macro also makes a module `host_key` with
/// `stats() -> `[`MemoStats`](memo::MemoStats)` { lookups, hits, misses, len, evictions }`
/// (misses = times the body ran) and `clear()`. The cache is not held while the body runs, so a
/// memoized function may call itself; two threads missing the same key of a `shared` cache
/// both run the body.
///
/// Not supported, each with a compile error that says why: generic functions (type or const
/// parameters, `impl Trait` arguments or return), methods (`self`: one cache per function would mix the
/// instances' results; memoize a free function of what the result depends on), `&mut`
/// arguments, `async fn`, `const fn`. Use it on module-level functions: the cache and the
/// module are items beside the function.
///
/// # Example
/// ```
/// use genpipe::memoize;
///
/// #[memoize(capacity = 1000)]
/// fn host_key(host: &str) -> String {
///     // A costly lookup (DNS, a database) in real code.
///     host.rsplit('.').next().unwrap_or(host).to_uppercase()
/// }
///
/// #[memoize]
/// fn fib(n: u64) -> u64 {
///     if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
/// }
///
/// # fn main() {
/// for host in ["a.example.com", "b.example.org", "a.example.com"] {
///     host_key(host);
/// }
/// let stats = host_key::stats();
/// assert_eq!((stats.lookups, stats.hits, stats.misses, stats.len), (3, 1, 2, 2));
///
/// assert_eq!(fib(90), 2_880_067_194_370_816_120);
/// assert_eq!(fib::stats().misses, 91); // each n computed once
/// # }
/// ```
pub use genpipe_macros::memoize;

/// Yields one item from a `#[generator]` body: `yield_!(x)`.
///
/// Outside a `#[generator]` body it is a compile error.
#[macro_export]
macro_rules! yield_ {
    ($($t:tt)*) => {
        compile_error!("yield_!(..) can only be used directly inside a #[generator] fn body")
    };
}

/// Receives the next value in a `#[coro]` body: `recv!()` (or `recv!(reply)` to answer the
/// previous one); `None` once the coroutine is closed.
///
/// Outside a `#[coro]` body it is a compile error.
#[macro_export]
macro_rules! recv {
    ($($t:tt)*) => {
        compile_error!("recv!(..) can only be used directly inside a #[coro] fn body")
    };
}

/// Makes a system call in a `#[task]` body and evaluates to its reply (see [`sched`]).
///
/// Outside a `#[task]` body it is a compile error.
#[macro_export]
macro_rules! syscall {
    ($($t:tt)*) => {
        compile_error!("syscall!(..) can only be used directly inside a #[task] fn body")
    };
}

/// Yields every item of another generator or iterable: `let r = yield_from!(sub)`.
///
/// Evaluates to the sub-generator's return value (`()` for an iterable). Outside a
/// `#[generator]` body it is a compile error.
#[macro_export]
macro_rules! yield_from {
    ($($t:tt)*) => {
        compile_error!("yield_from!(..) can only be used directly inside a #[generator] fn body")
    };
}
