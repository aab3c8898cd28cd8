//! `open` and `cat`: from paths to their lines, like `find | xargs cat`.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::pin::{Pin, pin};

use crate::consume::Sink;
use crate::engine::Pull;
use crate::error::Result;
use crate::io::{FileReader, Line, Lines, Matcher, lines};
use crate::pipe::fallible::{Checked, FallibleOp, FallibleSink, PushStep};
use crate::pipe::stages::{Flow, Op};
use crate::pipe::{Stage, StageOp};
use crate::produce::Gen;

/// The stage of [`open`].
pub struct OpenOp<P>(PhantomData<fn(P)>);

impl<P> fmt::Debug for OpenOp<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpenOp")
    }
}

impl<P: AsRef<Path>> Op for OpenOp<P> {
    type In = P;
    type Out = Gen<Lines<FileReader>>;

    fn pull<U: Pull<Item = P> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<Self::Out> {
        up.pull().map(lines)
    }

    fn push<K: Sink<Self::Out>>(&mut self, path: P, down: &mut K) -> Flow {
        match down.send(lines(path)) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }
}

/// Each path to the lines of its file ([`lines`]: `.gz`/`.bz2` decompressed by suffix).
/// Follow it with [`cat`].
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{cat, open};
///
/// let dir = std::env::temp_dir().join(format!("genpipe-doc-open-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a"), "1\n2\n")?;
/// std::fs::write(dir.join("b"), "3\n")?;
/// let n = pipe([dir.join("a"), dir.join("b")]) | open() | cat() | count();
/// assert_eq!(n?, 3);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open<P: AsRef<Path>>() -> Stage<OpenOp<P>> {
    Stage::new(OpenOp(PhantomData))
}

/// The stage of [`cat`].
pub struct CatOp<R>(PhantomData<fn(R)>);

impl<R> fmt::Debug for CatOp<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CatOp")
    }
}

/// The line sources in turn, one pipeline: the first source that fails ends it, and the sink
/// returns that error (naming the file). `grep` after `cat` stays fused with each source.
///
/// # Errors
/// After `cat`, the sink returns `genpipe::Result<Out>`.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{cat, lines_from};
///
/// let sources = pipe([lines_from(&b"a\nb\n"[..]), lines_from(&b"c\n"[..])]);
/// assert_eq!((sources | cat() | count())?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cat<R>() -> Stage<CatOp<R>> {
    Stage::new(CatOp(PhantomData))
}

impl<R: std::io::Read> crate::sealed::StageOp for CatOp<R> {}
impl<R: std::io::Read> StageOp for CatOp<R> {
    type In = Gen<Lines<R>>;
    type Out = Line;
    type Pulled<U> = Cat<U, R>;
    type Pushed<K> = CatSink<K, R>;

    fn attach<U>(self, up: U) -> Cat<U, R> {
        Checked::new(up, CatStep { current: None })
    }

    fn push_into<K>(self, down: K) -> CatSink<K, R> {
        FallibleSink::new(CatStep { current: None }, down)
    }
}

/// [`cat`] attached to its upstream: the one fallible adapter, [`Checked`].
pub type Cat<U, R> = Checked<U, CatStep<R>>;

impl<R: std::io::Read> CatStep<R> {
    /// Pulls from the current source with `next`, moving to the next source as each ends.
    fn step<U: Pull<Item = Gen<Lines<R>>>>(
        &mut self,
        mut up: Pin<&mut U>,
        mut next: impl FnMut(Pin<&mut Gen<Lines<R>>>) -> Option<Line>,
    ) -> Option<Result<Line>> {
        loop {
            if let Some(source) = self.current.as_mut() {
                // `Lines` is `Unpin`: its `Gen` is pulled through `Pin::new`, never pinned in
                // place, so it can live in `current` and be replaced.
                let mut source = Pin::new(source);
                if let Some(line) = next(source.as_mut()) {
                    return Some(Ok(line));
                }
                let ended = source.take_return();
                self.current = None;
                if let Some(Err(e)) = ended {
                    return Some(Err(e));
                }
            }
            self.current = Some(up.as_mut().pull()?);
        }
    }
}

impl<R: std::io::Read> FallibleOp for CatStep<R> {
    type In = Gen<Lines<R>>;
    type Out = Line;

    fn pull<U: Pull<Item = Gen<Lines<R>>>>(&mut self, up: Pin<&mut U>) -> Option<Result<Line>> {
        self.step(up, |source| source.pull())
    }

    fn pull_matching<U: Pull<Item = Gen<Lines<R>>>>(
        &mut self,
        up: Pin<&mut U>,
        matcher: &Matcher,
    ) -> Option<Result<Line>> {
        self.step(up, |source| source.pull_matching(matcher))
    }
}

/// [`cat`] feeding a sink: its result is `genpipe::Result<K::Out>`.
pub type CatSink<K, R> = FallibleSink<CatStep<R>, K>;

/// What [`cat`] does with each line source: hands out (pulled) or sends down (pushed) its
/// lines, and ends at its error.
#[doc(hidden)]
pub struct CatStep<R> {
    /// Pulled: the source being read.
    current: Option<Gen<Lines<R>>>,
}

impl<R> fmt::Debug for CatStep<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CatStep")
    }
}

impl<R: std::io::Read> PushStep<Gen<Lines<R>>> for CatStep<R> {
    type Out = Line;

    fn step<K: Sink<Line>>(&mut self, source: Gen<Lines<R>>, down: &mut K) -> Result<()> {
        let mut source = pin!(source);
        while !down.is_done() {
            let Some(line) = source.as_mut().pull() else {
                break;
            };
            if down.send(line).is_err() {
                break;
            }
        }
        match source.take_return() {
            Some(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }
}
