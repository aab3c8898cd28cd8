//! `per_file`: run a sub-pipeline over each file's lines and report each file's result.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use crate::consume::Sink;
use crate::engine::Pull;
use crate::error::Result;
use crate::io::{Line, lines};
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op};

/// The stage of [`per_file`] and [`per_file_with`].
pub struct PerFileOp<P, F> {
    make: F,
    _paths: PhantomData<fn(P)>,
}

impl<P, F> fmt::Debug for PerFileOp<P, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PerFileOp")
    }
}

impl<P, F, K> PerFileOp<P, F>
where
    P: AsRef<Path>,
    F: FnMut() -> K,
    K: Sink<Line>,
{
    fn run(&mut self, path: P) -> (PathBuf, Result<K::Out>) {
        let path = path.as_ref().to_path_buf();
        let result = lines(&path).try_run((self.make)());
        (path, result)
    }
}

impl<P, F, K> Op for PerFileOp<P, F>
where
    P: AsRef<Path>,
    F: FnMut() -> K,
    K: Sink<Line>,
{
    type In = P;
    type Out = (PathBuf, Result<K::Out>);

    fn pull<U: Pull<Item = P> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<Self::Out> {
        let path = up.pull()?;
        Some(self.run(path))
    }

    fn push<D: Sink<Self::Out>>(&mut self, path: P, down: &mut D) -> Flow {
        match down.send(self.run(path)) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }
}

/// For each path, runs `sink` (a sink, or a stage piped into one) over the file's lines and
/// yields `(path, result)`: every file, zero counts included, and a file that cannot be read
/// gives its error and the walk goes on, as `grep -c` does. Each file gets a fresh clone of
/// the unused `sink`; [`per_file_with`] takes a factory instead.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{grep, per_file};
///
/// let dir = std::env::temp_dir().join(format!("genpipe-doc-per-file-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a"), "404\n200\n404\n")?;
/// std::fs::write(dir.join("b"), "200\n")?;
/// let counts = pipe([dir.join("a"), dir.join("b"), dir.join("missing")])
///     | per_file(grep("404") | count())
///     | collect::<Vec<_>>();
/// assert_eq!(counts[0].1.as_ref().ok(), Some(&2));
/// assert_eq!(counts[1].1.as_ref().ok(), Some(&0));
/// assert!(counts[2].1.is_err());
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn per_file<P, K>(sink: K) -> Stage<PerFileOp<P, impl FnMut() -> K>>
where
    P: AsRef<Path>,
    K: Sink<Line> + Clone,
{
    per_file_with(move || sink.clone())
}

/// [`per_file`] with a factory making each file's sink.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::per_file_with;
///
/// let path = std::env::temp_dir().join(format!("genpipe-doc-per-file-with-{}", std::process::id()));
/// std::fs::write(&path, "a\nb\n")?;
/// let got = pipe([&path]) | per_file_with(count) | collect::<Vec<_>>();
/// assert_eq!(got[0].1.as_ref().ok(), Some(&2));
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn per_file_with<P, F, K>(make: F) -> Stage<PerFileOp<P, F>>
where
    P: AsRef<Path>,
    F: FnMut() -> K,
    K: Sink<Line>,
{
    Stage::new(PerFileOp {
        make,
        _paths: PhantomData,
    })
}
