//! `progress()`: how far a long job has gone, on a terminal as a bar, readable from code always.

use std::any::Any;
use std::fmt;
use std::io::IsTerminal;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::consume::Sink;
use crate::engine::Pull;
use crate::io::Line;
use crate::pipe::Stage;
use crate::pipe::stages::{Flow, Op, flow};

/// Items between two looks at the bar and the shared counters: rare enough to cost nothing
/// per item, often enough (a few thousand lines) to move the bar smoothly.
const PUBLISH_EVERY: u64 = 4096;

/// What a [`progress`] stage has seen: items, and for [`Line`]s the bytes read. Cloning shares
/// it; read it from any thread while the pipeline runs (it is brought up to date every few
/// thousand items and when the input ends).
#[derive(Clone)]
pub struct Progress {
    shared: Arc<Counters>,
}

struct Counters {
    items: AtomicU64,
    bytes: AtomicU64,
    started: Instant,
}

impl Progress {
    /// Items that passed.
    pub fn items(&self) -> u64 {
        self.shared.items.load(Ordering::Relaxed)
    }

    /// For lines: how far into its input the last line that passed reaches (its
    /// [`offset`](Line::offset), its length and one byte for its line end), so after a whole
    /// file its size (one byte more or less where the last line has no line end, or a CRLF
    /// one); 0 for other items.
    pub fn bytes(&self) -> u64 {
        self.shared.bytes.load(Ordering::Relaxed)
    }

    /// Since the stage was made.
    pub fn elapsed(&self) -> Duration {
        self.shared.started.elapsed()
    }

    /// Items per second so far.
    pub fn items_per_sec(&self) -> f64 {
        self.items() as f64 / self.elapsed().as_secs_f64().max(1e-9)
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("items", &self.items())
            .field("bytes", &self.bytes())
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

/// The stage of [`progress`].
///
/// The counts are fields of the stage, the rest is behind a box: the calls out of line (to
/// publish, to clear the bar) are given the counts by value and the box, never the stage's
/// address, which could keep the whole pipeline in memory.
pub struct ProgressOp<T> {
    items: u64,
    bytes: u64,
    shown: Box<Shown>,
    _items: PhantomData<fn(T) -> T>,
}

/// Where a [`ProgressOp`] shows its counts.
struct Shown {
    progress: Progress,
    bar: Option<Bar>,
}

impl Shown {
    /// The counts so far, where [`Progress`] reads them, and on the bar.
    #[inline(never)]
    fn publish(&mut self, items: u64, bytes: u64, line: Option<&Line>) {
        let shared = &self.progress.shared;
        shared.items.store(items, Ordering::Relaxed);
        shared.bytes.store(bytes, Ordering::Relaxed);
        if let Some(bar) = &mut self.bar {
            bar.show(items, line);
        }
    }

    /// The final counts; the bar is cleared.
    #[inline(never)]
    fn finish(&mut self, items: u64, bytes: u64) {
        let shared = &self.progress.shared;
        shared.items.store(items, Ordering::Relaxed);
        shared.bytes.store(bytes, Ordering::Relaxed);
        if let Some(bar) = self.bar.take() {
            bar.bar.finish_and_clear();
        }
    }
}

/// The bar on the terminal, and the file it measures.
struct Bar {
    bar: indicatif::ProgressBar,
    file: Option<PathBuf>,
}

impl<T> fmt::Debug for ProgressOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressOp")
            .field("items", &self.items)
            .field("bytes", &self.bytes)
            .field("drawn", &self.shown.bar.is_some())
            .finish()
    }
}

/// The size of the file `path`, if it is read as it is (not decompressed: a compressed file's
/// size says nothing of its lines' offsets).
fn plain_file_size(path: &Path) -> Option<u64> {
    if crate::io::is_compressed(path) {
        return None;
    }
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

impl Bar {
    fn new(target: indicatif::ProgressDrawTarget) -> Bar {
        let bar = indicatif::ProgressBar::with_draw_target(None, target);
        Bar::restyle(&bar, false);
        Bar { bar, file: None }
    }

    fn restyle(bar: &indicatif::ProgressBar, sized: bool) {
        let template = if sized {
            "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {pos} lines, eta {eta}"
        } else {
            "{msg} {spinner} {pos} items, {per_sec} {elapsed}"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
    }

    /// Shows `items` items and, where the last is a line of a plain file, its file's share read.
    fn show(&mut self, items: u64, last_line: Option<&Line>) {
        let Some(line) = last_line else {
            self.bar.set_position(items);
            return;
        };
        let path = line.path();
        if path != self.file.as_deref() {
            self.file = path.map(Path::to_path_buf);
            let size = path.and_then(plain_file_size);
            match size {
                Some(size) => self.bar.set_length(size),
                None => self.bar.unset_length(),
            }
            Bar::restyle(&self.bar, size.is_some());
            let name = path
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned());
            self.bar.set_message(name.unwrap_or_default());
        }
        if self.bar.length().is_some() {
            self.bar.set_position(end_of(line));
        } else {
            self.bar.set_position(items);
        }
    }
}

/// Where `line` ends in its input, its line end included.
#[inline(always)]
fn end_of(line: &Line) -> u64 {
    line.offset() + line.len() as u64 + 1
}

impl<T: 'static> ProgressOp<T> {
    #[inline(always)]
    fn count(&mut self, item: &T) {
        self.items += 1;
        // After monomorphization this is a constant for every item type but `Line`.
        let line = (item as &dyn Any).downcast_ref::<Line>();
        if let Some(line) = line {
            self.bytes = end_of(line);
        }
        if self.items.is_multiple_of(PUBLISH_EVERY) {
            self.publish(line);
        }
    }

    #[inline]
    fn publish(&mut self, line: Option<&Line>) {
        self.shown.publish(self.items, self.bytes, line);
    }
}

impl<T> Drop for ProgressOp<T> {
    #[inline]
    fn drop(&mut self) {
        // The input ended, the pipeline stopped early (a satisfied `take`, an error), or it was
        // pushed and closed: the counts are final.
        self.shown.finish(self.items, self.bytes);
    }
}

impl<T: 'static> Op for ProgressOp<T> {
    type In = T;
    type Out = T;

    #[inline]
    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, up: Pin<&mut U>) -> Option<T> {
        match up.pull() {
            Some(item) => {
                self.count(&item);
                Some(item)
            }
            None => {
                self.shown.finish(self.items, self.bytes);
                None
            }
        }
    }

    #[inline]
    fn push<K: Sink<T>>(&mut self, item: T, down: &mut K) -> Flow {
        self.count(&item);
        flow(down.send(item))
    }
}

/// A pass-through stage that shows how far a long job has gone: on a terminal (stderr), a bar
/// with the bytes of the current file read, its size, the rate and the time left when the items
/// are [`Line`]s of a plain file, and a count of items with their rate otherwise; nothing when
/// stderr is not a terminal. The same figures are readable from code: [`progress_with`] returns
/// the stage with its [`Progress`].
///
/// The bar and counters are brought up to date every 4096 items. Per item it counts, and for a
/// line notes where it ends: measured from a crate outside the workspace (cachegrind, default
/// `--release`, `scripts/instructions.sh`: `lines/progress` against `lines/map` of
/// `tests/user-crate`), `lines_from(..) | progress() | fold(..)` costs 40 instructions a line
/// more than the same with `map(|l| l)` (289.63 against 249.63, ~50-byte lines, making the input
/// included): little beside parsing or matching a line, a sixth of a bare line loop.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{lines_from, progress_with};
///
/// let (watch, progress) = progress_with();
/// let n = (lines_from(&b"a\nbb\nccc\n"[..]) | watch | count())?;
/// assert_eq!((n, progress.items(), progress.bytes()), (3, 3, 9));
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn progress<T: 'static>() -> Stage<ProgressOp<T>> {
    progress_with().0
}

/// [`progress`], and the handle to read its figures from, as [`store_last`](crate::combinators::store_last)
/// does.
pub fn progress_with<T: 'static>() -> (Stage<ProgressOp<T>>, Progress) {
    let progress = Progress {
        shared: Arc::new(Counters {
            items: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            started: Instant::now(),
        }),
    };
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| Bar::new(indicatif::ProgressDrawTarget::stderr()));
    let op = ProgressOp {
        items: 0,
        bytes: 0,
        shown: Box::new(Shown {
            progress: progress.clone(),
            bar,
        }),
        _items: PhantomData,
    };
    (Stage::new(op), progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::lines;

    #[test]
    fn the_bar_measures_the_file_of_the_line_it_is_shown() {
        let dir = std::env::temp_dir().join(format!("genpipe-progress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (plain, packed) = (dir.join("a.log"), dir.join("b.log.gz"));
        std::fs::write(&plain, "one\ntwo\nthree\n").unwrap();
        std::fs::write(&packed, "not read").unwrap();
        let mut bar = Bar::new(indicatif::ProgressDrawTarget::hidden());
        let all: Vec<Line> = lines(&plain).try_iter().map(Result::unwrap).collect();
        bar.show(2, Some(&all[1]));
        assert_eq!((bar.bar.length(), bar.bar.position()), (Some(14), 8));
        bar.show(3, Some(&all[2]));
        assert_eq!(bar.bar.position(), 14);
        assert_eq!(bar.file.as_deref(), Some(plain.as_path()));
        // Items that are not lines, or lines of no file: a count, no length.
        let mut counting = Bar::new(indicatif::ProgressDrawTarget::hidden());
        counting.show(7, None);
        assert_eq!((counting.bar.length(), counting.bar.position()), (None, 7));
        assert_eq!(
            plain_file_size(&packed),
            None,
            "a compressed file has no plain size"
        );
        assert_eq!(plain_file_size(&dir), None, "a directory has no size");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
