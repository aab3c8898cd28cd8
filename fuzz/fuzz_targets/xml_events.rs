//! Any bytes as an XML document: events, then at most one error at a byte inside the input;
//! never a panic.
#![no_main]

use genpipe::io::xml_events;
use genpipe::prelude::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(genpipe::Error::Xml { offset, .. }) = xml_events(data) | count() {
        assert!(offset as usize <= data.len());
    }
});
