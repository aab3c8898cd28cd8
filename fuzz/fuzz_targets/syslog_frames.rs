//! Any bytes as a TCP syslog stream: frames, then at most one framing error; never a panic,
//! never more frames than bytes.
#![no_main]

use genpipe::io::{Line, syslog_frames};
use genpipe::prelude::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut frames = 0usize;
    let mut bytes = 0usize;
    let _ = syslog_frames(data)
        | for_each(|l: Line| {
            frames += 1;
            bytes += l.len();
        });
    assert!(bytes <= data.len());
    assert!(frames <= data.len());
});
