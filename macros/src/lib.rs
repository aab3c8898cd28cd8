//! Procedural macros of [genpipe](https://docs.rs/genpipe): `#[generator]`, `#[coro]` and `#[memoize]`.
//!
//! Use them through `genpipe` (`use genpipe::prelude::*;`), which documents them. Each entry point
//! is one line; the work happens on `proc_macro2` tokens so it can be unit-tested.

mod args;
mod coro;
mod generator;
mod memoize;
mod rewrite;
mod task;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Turns a function that says `yield_!(x)` into a lazy producer or stage. See `genpipe`.
#[proc_macro_attribute]
pub fn generator(args: TokenStream, item: TokenStream) -> TokenStream {
    generator::expand(args.into(), item.into()).into()
}

/// Turns a function that says `recv!()` into a send-driven coroutine. See `genpipe::Coro`.
#[proc_macro_attribute]
pub fn coro(args: TokenStream, item: TokenStream) -> TokenStream {
    coro::expand(args.into(), item.into()).into()
}

/// Caches a function's results by its arguments. See `genpipe::memoize`.
#[proc_macro_attribute]
pub fn memoize(args: TokenStream, item: TokenStream) -> TokenStream {
    memoize::expand(args.into(), item.into()).into()
}

/// Turns a function that says `syscall!(call)` into a task for the scheduler. See
/// `genpipe::sched`.
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand(args.into(), item.into()).into()
}
