//! Round-robin over several logs, each line tagged with its source: Beazley's `multiplex`,
//! without threads.
//!
//! ```text
//! cargo run --example interleave_logs -- [PATH...]
//! ```
//!
//! `interleave_tagged([(name, lines(path)), ..])`: one line of each log in turn; a log that
//! runs out drops out. Tags are the file names. Without PATHs it uses three small generated
//! logs: two access logs and an error log.

use std::path::PathBuf;

use genpipe::io::lines;
use genpipe::prelude::*;
use genpipe::synth;

fn demo_logs() -> std::io::Result<Vec<PathBuf>> {
    let dir = std::env::temp_dir().join(format!("genpipe-interleave-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut paths = Vec::new();
    let logs: [(&str, Vec<String>); 3] = [
        (
            "apache.log",
            synth::access_log(1, synth::AccessFormat::Common)
                .take(4)
                .collect(),
        ),
        ("errors.log", synth::error_log(2).take(2).collect()),
        (
            "mirror.log",
            synth::access_log(3, synth::AccessFormat::Common)
                .take(3)
                .collect(),
        ),
    ];
    for (name, text) in logs {
        let path = dir.join(name);
        std::fs::write(&path, text.join("\n") + "\n")?;
        paths.push(path);
    }
    Ok(paths)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let demo = paths.is_empty();
    if demo {
        paths = demo_logs()?;
    }
    let sources = paths.iter().map(|p| {
        let name = p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        (name, lines(p))
    });
    let result = interleave_tagged(sources)
        | for_each(|t: Tagged<String, Line>| println!("{:<12} {}", t.source, t.item));
    if demo {
        std::fs::remove_dir_all(paths[0].parent().expect("demo dir"))?;
    }
    Ok(result?)
}
