//! `captures`: the named groups of a regex over each matching line.

use std::fmt;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use regex::bytes::{CaptureLocations, Regex};

use crate::consume::Sink;
use crate::engine::Pull;
use crate::io::{Field, IntoRegex, Line, ParseFieldError};
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op};

/// The groups of one matching line: views into it (no copy), by name or index.
#[derive(Clone)]
pub struct Caps {
    line: Line,
    locs: CaptureLocations,
    re: Arc<Regex>,
}

impl Caps {
    /// The group called `name`, if it took part in the match.
    pub fn get(&self, name: &str) -> Option<&Field> {
        let index = self.re.capture_names().position(|n| n == Some(name))?;
        self.at(index)
    }

    /// Group `index` (0 is the whole match), if it took part in the match.
    pub fn at(&self, index: usize) -> Option<&Field> {
        let (start, end) = self.locs.get(index)?;
        Some(Field::new(&self.line.as_bytes()[start..end]))
    }

    /// Group `name`, parsed; `None` if the group did not take part in the match.
    ///
    /// # Errors
    /// When the group's text does not parse as `T`.
    pub fn parse<T: FromStr>(&self, name: &str) -> Option<Result<T, ParseFieldError<T::Err>>> {
        self.get(name).map(Field::parse)
    }

    /// The whole line.
    pub fn line(&self) -> &Line {
        &self.line
    }
}

impl fmt::Debug for Caps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (i, name) in self.re.capture_names().enumerate() {
            if let Some(value) = self.at(i) {
                let key = name.map_or_else(|| i.to_string(), str::to_string);
                map.entry(&key, &value);
            }
        }
        map.finish()
    }
}

/// The stage of [`captures`].
#[derive(Clone, Debug)]
pub struct CapturesOp {
    re: Arc<Regex>,
    locs: CaptureLocations,
}

impl CapturesOp {
    fn capture(&mut self, line: Line) -> Option<Caps> {
        self.re.captures_read(&mut self.locs, line.as_bytes())?;
        Some(Caps {
            line,
            locs: self.locs.clone(),
            re: Arc::clone(&self.re),
        })
    }
}

impl Op for CapturesOp {
    type In = Line;
    type Out = Caps;

    fn pull<U: Pull<Item = Line> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<Caps> {
        loop {
            if let Some(caps) = self.capture(up.as_mut().pull()?) {
                return Some(caps);
            }
        }
    }

    fn push<K: Sink<Caps>>(&mut self, line: Line, down: &mut K) -> Flow {
        match self.capture(line).map(|caps| down.send(caps)) {
            Some(Err(_)) => Flow::Stop,
            _ => Flow::Continue,
        }
    }
}

/// For each line the regex matches, its capture groups ([`Caps`]); other lines are dropped.
///
/// # Panics
/// If `pattern` is not a valid regex; the message names it.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{captures, lines_from};
///
/// let log = &b"[error] disk full\n[notice] all good\n[error] fan 3\n"[..];
/// let levels = lines_from(log)
///     | captures(r"^\[(?P<level>\w+)\] (?P<msg>.*)$")
///     | map(|c: genpipe::io::Caps| c.get("level").unwrap().to_string())
///     | collect::<Vec<_>>();
/// assert_eq!(levels?, ["error", "notice", "error"]);
///
/// let status = (lines_from(&b"GET / 404\n"[..]) | captures(r"(?P<status>\d{3})$") | last())?.unwrap();
/// assert_eq!(status.parse::<u16>("status").unwrap().unwrap(), 404);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn captures(pattern: impl IntoRegex) -> Stage<CapturesOp> {
    let re = match pattern.into_regex() {
        Ok(re) => re,
        Err(e) => panic!("genpipe: captures: invalid regex: {e}"),
    };
    let locs = re.capture_locations();
    Stage::new(CapturesOp {
        re: Arc::new(re),
        locs,
    })
}
