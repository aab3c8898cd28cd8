//! Zero-copy line handling: [`Line`] views into shared read buffers, and the sources that make
//! them ([`lines`], [`lines_from`], [`stdin`]).
//!
//! Why `Line` has no `\n`: every consumer strips it anyway (Python's `rstrip("\n")`), and a
//! view without it compares equal to the text it holds (`line == "GET /"`).

#[cfg(feature = "regex")]
mod captures;
mod cat;
mod codec;
mod context;
#[cfg(feature = "frames")]
mod coprocess;
mod fields;
#[cfg(feature = "find")]
mod find;
mod follow;
#[cfg(feature = "frames")]
mod frames;
mod grep;
#[cfg(feature = "json")]
mod json;
mod line;
mod lines;
mod net;
mod open;
mod per_file;
mod process;
#[cfg(feature = "progress")]
mod progress;
#[cfg(all(unix, feature = "sched"))]
mod readiness;
mod records;
mod syslog;
mod written;
#[cfg(feature = "xml")]
mod xml;

#[cfg(feature = "regex")]
/// The `regex` crate `grep_re`, `captures` and `IntoRegex` take regexes from: build them
/// with `genpipe::io::regex::bytes::Regex` and the versions always match.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{lines_from, regex::bytes::Regex};
///
/// let re = Regex::new(r"\s404\s").unwrap();
/// assert_eq!((lines_from(&b"a 404 x\nb 200 y\n"[..]) | grep_re(re) | count())?, 1);
/// # Ok::<(), genpipe::Error>(())
/// ```
pub use regex;

pub use crate::pipe::fallible::{FallibleSink, PushStep};
pub use crate::text::matcher::Matcher;
#[cfg(feature = "regex")]
pub use captures::{Caps, CapturesOp, captures};
pub use cat::{Cat, CatOp, CatSink, CatStep, OpenOp, cat, open};
pub use codec::{BINARY_SNIFF_BYTES, binary_offset, is_compressed, starts_compressed};
pub use context::{ContextLine, ContextOp, context_lines};
#[cfg(feature = "frames")]
pub use coprocess::{Coprocess, serve_coprocess, serve_coprocess_on, to_coprocess};
pub use fields::{
    FieldOp, ParseOp, ParseSink, Parsed, SkipValueOp, TryParseOp, field, field_by, last_field,
    parse, skip_value, try_parse,
};
#[cfg(feature = "find")]
pub use find::{Find, FindReport, StrictFind, find, try_find};
pub use follow::{DEFAULT_POLL, DEFAULT_REOPEN_TIMEOUT, FollowReader, StopToken, follow};
#[cfg(feature = "frames")]
pub use frames::{DEFAULT_MAX_FRAME_BYTES, Frames, FramesSink, frames, to_frames};
pub use grep::{GrepOp, grep};
#[cfg(feature = "regex")]
pub use grep::{IntoRegex, grep_re, try_grep_re};
#[cfg(feature = "json")]
pub use json::{
    JsonLinesOp, JsonLinesSink, TryJsonLinesOp, json_lines, to_json_lines, try_json_lines,
};
pub use line::{AsLineRef, Field, Fields, FieldsBy, Line, LineRef, ParseFieldError};
#[cfg(feature = "rayon")]
pub(crate) use line::{Chunk, Storage};
pub use lines::{DEFAULT_BUFFER_BYTES, DEFAULT_MAX_LINE_BYTES, Lines};
pub use net::{
    Connections, Datagram, Datagrams, LineWriter, SendTo, connections, datagrams, send_to,
    write_lines,
};
#[cfg(feature = "rayon")]
pub(crate) use open::line_start_before;
#[cfg(feature = "mmap")]
pub use open::lines_mmap;
pub use open::{FileReader, lines, lines_from, lines_from_auto, lines_split, stdin};
#[cfg(feature = "rayon")]
pub(crate) use open::{lines_in_range, part_starts};
pub use per_file::{PerFileOp, per_file, per_file_with};
pub use process::{
    CommandLines, CommandSink, STDERR_TAIL_BYTES, command_lines, through_command, to_command,
};
#[cfg(feature = "progress")]
pub use progress::{Progress, ProgressOp, progress, progress_with};
#[cfg(all(unix, feature = "sched"))]
pub use readiness::{Interest, Readiness, ReadyEvent, readiness};
pub use records::{
    AccessLogOp, AccessLogReport, AccessRecord, AccessRecordSink, AccessRecords, access_log,
};
pub use syslog::{MAX_SYSLOG_FRAME, SyslogFrames, SyslogOp, SyslogRecord, syslog, syslog_frames};
#[cfg(feature = "xml")]
pub use xml::{XmlEvent, XmlEvents, xml_events};
