//! Any bytes, one syslog message per line: parsing never fails or panics, and every part of a
//! record lies inside its message.
#![no_main]

use genpipe::io::{SyslogRecord, lines_from, syslog};
use genpipe::prelude::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lines_from(data)
        | syslog()
        | for_each(|r: SyslogRecord| {
            let whole = r.line().as_bytes();
            for part in [
                Some(r.message()),
                r.timestamp(),
                r.hostname(),
                r.app_name(),
                r.proc_id(),
                r.msg_id(),
                r.structured_data(),
            ]
            .into_iter()
            .flatten()
            {
                let (start, end) = (part.as_bytes().as_ptr() as usize, whole.as_ptr() as usize);
                assert!(start >= end && start + part.as_bytes().len() <= end + whole.len());
            }
            assert!(r.severity() < 8 && r.facility() < 24);
        });
});
