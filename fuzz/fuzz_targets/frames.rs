//! Any bytes as a stream of length-prefixed postcard frames: records, then at most one error
//! naming the frame; never a panic, never an allocation past the frame limit.
#![no_main]

use genpipe::io::frames;
use genpipe::prelude::*;
use libfuzzer_sys::fuzz_target;

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Record {
    host: String,
    status: u16,
    bytes: Option<u64>,
    tags: Vec<String>,
}

fuzz_target!(|data: &[u8]| {
    let _ = frames::<Record, _>(data).max_frame_bytes(1 << 16) | count();
    let _ = frames::<Vec<u8>, _>(data).max_frame_bytes(1 << 16) | count();
});
