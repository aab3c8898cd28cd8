//! Beazley's broadcast: one stream of parsed records pushed to three consumer coroutines (a
//! request counter, a 404 counter, a byte summer), each reporting its result when closed.
//!
//! ```text
//! cargo run --example broadcast_coros -- [PATH]
//! ```
//!
//! `lines(p) | access_log() | broadcast((requests(), not_found(), bytes()))`: one pass, three
//! answers. Without PATH it uses a generated log.

use std::path::PathBuf;

use genpipe::io::{AccessRecord, access_log, lines};
use genpipe::prelude::*;
use genpipe::synth::AccessFormat;

#[path = "common/demo.rs"]
mod demo;

#[coro]
fn requests() -> Coro<AccessRecord, u64> {
    let mut n = 0;
    while recv!().is_some() {
        n += 1;
    }
    n
}

#[coro]
fn not_found() -> Coro<AccessRecord, u64> {
    let mut n = 0;
    while let Some(r) = recv!() {
        if r.status == 404 {
            n += 1;
        }
    }
    n
}

#[coro]
fn bytes() -> Coro<AccessRecord, u64> {
    let mut total = 0;
    while let Some(r) = recv!() {
        total += r.size;
    }
    total
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = match std::env::args().nth(1) {
        Some(p) => PathBuf::from(p),
        None => demo::access_log("broadcast.log", 1 << 20, 11, AccessFormat::Common)?,
    };
    let (requests, missing, bytes) =
        (lines(&path) | access_log() | broadcast((requests(), not_found(), bytes())))?;
    println!("requests: {requests}");
    println!("404s: {missing}");
    println!("bytes: {bytes}");
    Ok(())
}
