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
