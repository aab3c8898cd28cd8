//! The text floor: the byte-string types the fused fast paths are made of, below the engine.
//!
//! `Pull::pull_matching` and `Pull::pull_with` (the engine) take a [`Matcher`] and hand out
//! [`LineRef`]s, and a line source above implements them; keeping these types here, and not in
//! `io`, is what lets the engine stand below `io` with no import running back up. Their public
//! paths are `genpipe::io::{Field, Fields, LineRef, AsLineRef, Matcher, ParseFieldError}`.

pub(crate) mod field;
pub(crate) mod line_ref;
pub(crate) mod matcher;

pub(crate) use line_ref::{AsLineRef, LineRef};
pub(crate) use matcher::Matcher;
