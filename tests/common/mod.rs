//! What several test files share. Each test file is its own crate and uses a part of this.
#![allow(dead_code)]

use genpipe::prelude::*;
use proptest::prelude::ProptestConfig;

/// `cases` proptest cases; few, and no failure files, under Miri (it isolates the file system).
pub fn proptest_config(cases: u32) -> ProptestConfig {
    if cfg!(miri) {
        ProptestConfig {
            cases: 4,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    } else {
        ProptestConfig::with_cases(cases)
    }
}

/// Yields `0..n`, then fails.
#[generator]
pub fn fails_after(n: u32) -> Gen<u32, Result<(), String>> {
    for i in 0..n {
        yield_!(i);
    }
    Err(format!("source failed after {n}"))
}

/// Runs `body` on a thread and fails the test if it has not returned within `limit`: a test of
/// something that could hang fails instead.
pub fn within<T: Send + 'static>(
    limit: std::time::Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(body()).ok());
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("hung: no result within {limit:?}"))
}
