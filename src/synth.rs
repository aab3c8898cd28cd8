//! Seeded synthetic logs for tests, examples and benchmarks (feature `synth`).
//!
//! Apache access logs in common and combined format and Apache error logs, deterministic for a
//! seed, of any size, so nothing depends on files outside the repository. The shape follows real
//! logs: a few hosts and paths are hot, most requests succeed, some sizes are `-`.
//!
//! # Example
//! ```
//! use genpipe::synth::{AccessFormat, access_log};
//!
//! let first: Vec<String> = access_log(7, AccessFormat::Common).take(2).collect();
//! assert_eq!(first, access_log(7, AccessFormat::Common).take(2).collect::<Vec<_>>());
//! assert!(first[0].contains("\" 200 ") || first[0].contains("\" 404 ") || first[0].contains("\" 30"));
//! ```

use std::io::{self, Write};
use std::path::Path;

use crate::prelude::*;

/// SplitMix64: small, fast, and good enough for test data (not for anything secret). Private:
/// the logs' seeds are the API, not the generator (a public one would be a promise to keep its
/// sequence and a rival to the `rand` crate).
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// An index into `items`, favouring the first ones (a rough Zipf: hot hosts and paths).
    fn skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let a = self.below(items.len() as u64);
        let b = self.below(items.len() as u64);
        &items[a.min(b) as usize]
    }
}

/// Which access-log format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessFormat {
    /// `host ident user [time] "request" status size`
    Common,
    /// Common, then `"referer" "user agent"`.
    Combined,
}

const PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/favicon.ico",
    "/robots.txt",
    "/ply/",
    "/ply/ply-2.3.tar.gz",
    "/ply/ply-2.2.tar.gz",
    "/ply/bookplug.gif",
    "/cgi-bin/wiki.pl?SwigFaq",
    "/papers/Python25.pdf",
    "/python/generators.html",
    "/images/logo.png",
    "/dynamic.js",
    "/feeds/atom.xml",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15",
    "curl/8.4.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
];
const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An endless, seeded stream of Apache access-log lines (without `\n`).
///
/// # Example
/// ```
/// use genpipe::synth::{AccessFormat, access_log};
///
/// let line = access_log(1, AccessFormat::Combined).next().unwrap();
/// assert_eq!(line.matches('"').count(), 6);
/// ```
#[generator]
pub fn access_log(seed: u64, format: AccessFormat) -> Gen<String> {
    let mut rng = Rng::new(seed);
    let hosts: Vec<String> = (0..64)
        .map(|_| {
            let mut r = || rng.below(254) + 1;
            format!("{}.{}.{}.{}", r(), r(), r(), r())
        })
        .collect();
    let mut second: u64 = 0;
    loop {
        second += rng.below(3);
        let (day, hour, minute, sec) = (
            1 + (second / 86_400) % 28,
            (second / 3600) % 24,
            (second / 60) % 60,
            second % 60,
        );
        let month = MONTHS[((second / (86_400 * 28)) % 12) as usize];
        let host = rng.skewed(&hosts);
        let path = rng.skewed(PATHS);
        let method = match rng.below(20) {
            0 => "POST",
            1 => "HEAD",
            _ => "GET",
        };
        let protocol = if rng.below(4) == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        };
        let status = match rng.below(100) {
            0..=79 => 200,
            80..=89 => 304,
            90..=97 => 404,
            98 => 403,
            _ => 500,
        };
        let size = match status {
            304 => "-".to_string(),
            404 if rng.below(2) == 0 => "-".to_string(),
            200 if path.ends_with(".gz") || path.ends_with(".pdf") => {
                (100_000 + rng.below(2_000_000)).to_string()
            }
            _ => rng.below(20_000).to_string(),
        };
        let mut line = format!(
            "{host} - - [{day:02}/{month}/2008:{hour:02}:{minute:02}:{sec:02} -0600] \
             \"{method} {path} {protocol}\" {status} {size}"
        );
        if format == AccessFormat::Combined {
            let referer = if rng.below(3) == 0 {
                "-".to_string()
            } else {
                format!("http://www.example.com{}", rng.skewed(PATHS))
            };
            line.push_str(&format!(" \"{referer}\" \"{}\"", rng.skewed(AGENTS)));
        }
        yield_!(line);
    }
}

/// An endless, seeded stream of Apache error-log lines (`[date] [level] message`).
///
/// # Example
/// ```
/// use genpipe::synth::error_log;
///
/// assert!(error_log(3).next().unwrap().starts_with("[Sun Dec 04"));
/// ```
#[generator]
pub fn error_log(seed: u64) -> Gen<String> {
    let mut rng = Rng::new(seed);
    let mut second: u64 = 4 * 3600;
    loop {
        second += rng.below(30);
        let (hour, minute, sec) = ((second / 3600) % 24, (second / 60) % 60, second % 60);
        let (level, message) = match rng.below(10) {
            0..=5 => (
                "notice",
                format!(
                    "jk2_init() Found child {} in scoreboard slot {}",
                    6000 + rng.below(3000),
                    rng.below(10)
                ),
            ),
            6..=8 => (
                "error",
                format!(
                    "[client 10.0.{}.{}] Directory index forbidden by rule: /var/www/html/",
                    rng.below(255),
                    rng.below(255)
                ),
            ),
            _ => (
                "error",
                "mod_jk child workerEnv in error state 6".to_string(),
            ),
        };
        yield_!(format!(
            "[Sun Dec 04 {hour:02}:{minute:02}:{sec:02} 2005] [{level}] {message}"
        ));
    }
}

/// What [`write_access_log`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// Lines written.
    pub lines: u64,
    /// Bytes written.
    pub bytes: u64,
    /// The sum of the size field over all lines (`-` counts as 0): the bytes-sum job's answer.
    pub size_total: u64,
}

/// Writes access-log lines to `out` until at least `bytes` bytes are written.
///
/// # Errors
/// What `out` returns.
///
/// # Example
/// ```
/// use genpipe::synth::{AccessFormat, write_access_log};
///
/// let mut buf = Vec::new();
/// let w = write_access_log(&mut buf, 10_000, 42, AccessFormat::Common)?;
/// assert_eq!(w.bytes, buf.len() as u64);
/// assert!(w.bytes >= 10_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_access_log(
    mut out: impl Write,
    bytes: u64,
    seed: u64,
    format: AccessFormat,
) -> io::Result<Written> {
    let mut written = Written {
        lines: 0,
        bytes: 0,
        size_total: 0,
    };
    for line in access_log(seed, format) {
        if written.bytes >= bytes {
            break;
        }
        let size = line
            .split(' ')
            .nth(9)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written.lines += 1;
        written.bytes += line.len() as u64 + 1;
        written.size_total += size;
    }
    out.flush()?;
    Ok(written)
}

/// [`write_access_log`] into a new file at `path` (buffered).
///
/// # Errors
/// Creating or writing the file.
pub fn write_access_log_file(
    path: impl AsRef<Path>,
    bytes: u64,
    seed: u64,
    format: AccessFormat,
) -> io::Result<Written> {
    let file = std::fs::File::create(path)?;
    write_access_log(
        io::BufWriter::with_capacity(1 << 16, file),
        bytes,
        seed,
        format,
    )
}
