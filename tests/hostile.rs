//! Replays the fuzzers' inputs (`fuzz/seeds/` and the corpus `scripts/fuzz.sh` keeps in
//! `fuzz/corpus/`) through every parser with the fuzz targets' checks, and keeps the inputs the
//! fuzzer found as named regression tests: an input that once broke a parser stays a test.

use std::path::Path;

use genpipe::io::{
    AccessRecord, Line, SyslogRecord, access_log, frames, json_lines, lines_from, syslog,
    syslog_frames, try_json_lines, xml_events,
};
use genpipe::prelude::*;

/// Every parser over `data`, with the fuzz targets' checks: no panic, parts inside their
/// message, errors pointing inside the input.
fn check_all(data: &[u8]) {
    let _ = lines_from(data)
        | syslog()
        | for_each(|r: SyslogRecord| {
            let whole = r.line().as_bytes().as_ptr_range();
            let part = r.message().as_bytes().as_ptr_range();
            assert!(whole.start <= part.start && part.end <= whole.end);
            assert!(r.severity() < 8 && r.facility() < 24);
        });
    let mut framed = 0;
    let _ = syslog_frames(data) | for_each(|l: Line| framed += l.len());
    assert!(framed <= data.len());
    let _ = frames::<(String, u16, Option<u64>, Vec<String>), _>(data).max_frame_bytes(1 << 16)
        | count();
    let _ = lines_from(data) | json_lines::<serde_json::Value>() | count();
    let _ = lines_from(data) | try_json_lines::<(String, u64)>() | count();
    if let Err(genpipe::Error::Xml { offset, .. }) = xml_events(data) | count() {
        assert!(offset as usize <= data.len());
    }
    let _ = lines_from(data)
        | access_log()
        | for_each(|r: AccessRecord| assert!(r.host().len() <= data.len()));
}

fn replay(dir: &Path) -> usize {
    let Ok(targets) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for target in targets.flatten() {
        for input in std::fs::read_dir(target.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let data = std::fs::read(input.path()).unwrap();
            check_all(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn every_seed_and_corpus_input_parses_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds = replay(&root.join("seeds"));
    assert!(seeds >= 6, "the seeds are missing: {seeds}");
    replay(&root.join("corpus"));
}

#[test]
fn inputs_found_by_hand_and_by_the_fuzzer() {
    for data in [
        // A PRI alone, a version alone, a count alone.
        &b"<13>"[..],
        b"<13>1",
        b"<13>1 ",
        b"5",
        b"5 ",
        // A structured-data element that never closes, an escape at the very end.
        b"<13>1 - - - - - [a@1 x=\"\\",
        // A BSD timestamp cut short, a tag of 48 characters, a `[pid` without `]`.
        b"<13>Oct 11 22:14:1",
        b"<13>Oct 11 22:14:15 h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: m",
        b"<13>Oct 11 22:14:15 h t[12: m",
        // A frame length of 4 GiB - 1; a frame of one byte that is not a record.
        b"\xff\xff\xff\xff",
        b"\x01\x00\x00\x00\xff",
        // XML: a bare `&`, a char reference past Unicode, nesting without end, a BOM.
        b"<a>&</a>",
        b"<a>&#x110000;</a>",
        b"<a><a><a><a><a>",
        b"\xEF\xBB\xBF<a/>",
        // JSON: deep nesting, a number too big.
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"1e999999",
    ] {
        check_all(data);
    }
}
