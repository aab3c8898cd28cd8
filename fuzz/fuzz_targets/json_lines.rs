//! Any bytes as JSON Lines: records or errors naming their line; never a panic.
#![no_main]

use genpipe::io::{json_lines, lines_from, try_json_lines};
use genpipe::prelude::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lines_from(data) | json_lines::<serde_json::Value>() | count();
    let _ = lines_from(data) | try_json_lines::<(String, u64)>() | count();
});
