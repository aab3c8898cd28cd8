//! grep over a command's output: `journalctl -f | grep`, `kubectl logs -f | grep`, `zcat | grep`,
//! as one genpipe pipeline. The command's lines are zero-copy `Line`s read in large buffers, and
//! `grep` searches each buffer whole; if the command fails, its exit status and the end of its
//! stderr are the pipeline's error; `-m N` stops after N matches and ends the command.
//!
//! ```text
//! cargo run --release --example command_grep                          # greps a generated log through `cat`
//! cargo run --release --example command_grep -- PATTERN [-m N] -- zcat access.log.gz
//! cargo run --release --example command_grep -- ' 404 ' -m 5 -- journalctl -f
//! ```

use std::io::Write;
use std::process::Command;

use genpipe::io::{Line, command_lines};
use genpipe::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (pattern, max, mut command, _demo) = match args.iter().position(|a| a == "--") {
        Some(split) if split >= 1 && split + 1 < args.len() => {
            let mut command = Command::new(&args[split + 1]);
            command.args(&args[split + 2..]);
            let max = match args[1..split].iter().position(|a| a == "-m") {
                Some(i) => Some(args[i + 2].parse::<usize>()?),
                None => None,
            };
            (args[0].clone(), max, command, None)
        }
        _ => {
            // The demo: a generated access log, read back through `cat`.
            let dir =
                std::env::temp_dir().join(format!("genpipe-command-grep-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("access.log");
            let mut log = std::io::BufWriter::new(std::fs::File::create(&path)?);
            for i in 0..100_000u32 {
                let status = [200, 200, 304, 404, 500][i as usize % 5];
                writeln!(
                    log,
                    "10.0.{}.{} - - [06/Dec/2026:10:00:00 +0000] \"GET /p/{i} HTTP/1.1\" {status} {}",
                    i / 256 % 256,
                    i % 256,
                    i % 997
                )?;
            }
            log.flush()?;
            let mut command = Command::new("cat");
            command.arg(&path);
            (" 404 ".to_string(), Some(3), command, Some(Demo(dir)))
        }
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    let shown = command_lines(&mut command)
        | grep(pattern.as_str())
        | take(max.unwrap_or(usize::MAX))
        | for_each(|l: Line| drop(writeln!(out, "{l}")));
    // The command's failure (a missing file for `zcat`, a bad flag) is the pipeline's error.
    if let Err(e) = shown {
        eprintln!("command_grep: {e}");
        std::process::exit(1);
    }
    Ok(())
}

/// The demo's scratch directory, removed at the end.
struct Demo(std::path::PathBuf);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
