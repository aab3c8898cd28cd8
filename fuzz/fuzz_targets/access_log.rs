//! Any bytes as an Apache access log: records, then at most one parse error naming the line;
//! never a panic.
#![no_main]

use genpipe::io::{AccessRecord, access_log, lines_from};
use genpipe::prelude::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lines_from(data) | access_log() | for_each(|r: AccessRecord| {
        let _ = (r.host(), r.status, r.size);
    });
});
