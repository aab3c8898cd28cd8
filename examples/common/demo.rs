//! Generated inputs for the examples run without arguments.

use std::io;
use std::path::PathBuf;

use genpipe::synth::{AccessFormat, write_access_log_file};

/// A seeded access log of about `bytes` bytes under the system temp directory, made once.
pub fn access_log(name: &str, bytes: u64, seed: u64, format: AccessFormat) -> io::Result<PathBuf> {
    let dir = std::env::temp_dir().join("genpipe-demo");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    if !path.exists() {
        // Written aside and renamed, so a run cut short leaves no half file behind.
        let part = dir.join(format!("{name}.part{}", std::process::id()));
        write_access_log_file(&part, bytes, seed, format)?;
        std::fs::rename(&part, &path)?;
    }
    Ok(path)
}
