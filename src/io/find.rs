//! `find`: the files under a directory whose names match a glob, like `find root -name glob`.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobMatcher};

use crate::engine::Pull;
use crate::error::Error;
use crate::produce::Gen;

/// What a [`find`] walk could not read: kept, not fatal, and readable after the run.
///
/// Cloning shares the report: keep a clone before the walk is consumed.
#[derive(Clone, Debug, Default)]
pub struct FindReport {
    errors: Arc<Mutex<Vec<Error>>>,
}

impl FindReport {
    /// The entries that could not be read, in walk order (each names its path).
    pub fn errors(&self) -> Vec<String> {
        self.lock().iter().map(ToString::to_string).collect()
    }

    /// Takes the errors out of the report.
    pub fn take_errors(&self) -> Vec<Error> {
        std::mem::take(&mut *self.lock())
    }

    /// Whether every entry could be read.
    pub fn is_clean(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Error>> {
        // A panic while holding the lock leaves a plain list behind: still usable.
        self.errors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The walk behind [`find`].
pub struct Find {
    root: PathBuf,
    sorted: bool,
    /// Made on the first pull, so builder methods can still change how.
    walk: Option<walkdir::IntoIter>,
    glob: Option<(GlobMatcher, bool)>,
    report: FindReport,
    /// `.strict()`: the first entry that cannot be read ends the walk with its error.
    strict: bool,
    /// `.skip_hidden()`: entries whose name starts with `.` (and what is under them) are left out.
    skip_hidden: bool,
    failed: Option<Error>,
    ended: bool,
    /// `.shard(i, n)`: only the files whose path hash is `i` modulo `n`.
    shard: Option<(u64, u64)>,
    /// `.follow_links()`: symbolic links to directories are walked into, to files found.
    follow_links: bool,
}

impl std::fmt::Debug for Find {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Find")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl Unpin for Find {}

impl Find {
    fn next_path(&mut self) -> Option<PathBuf> {
        let this = self;
        if this.ended {
            return None;
        }
        let walk = this.walk.get_or_insert_with(|| {
            let walk = walkdir::WalkDir::new(&this.root).follow_links(this.follow_links);
            if this.sorted {
                walk.sort_by_file_name()
            } else {
                walk
            }
            .into_iter()
        });
        loop {
            let entry = match walk.next() {
                None => {
                    this.ended = true;
                    return None;
                }
                Some(Ok(entry)) => entry,
                Some(Err(e)) => {
                    let path = e.path().map(Path::to_path_buf);
                    let source = e
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
                    let error = Error::Io {
                        path,
                        source: source.into(),
                    };
                    if this.strict {
                        this.failed = Some(error.clone());
                        this.report.lock().push(error);
                        this.ended = true;
                        return None;
                    }
                    this.report.lock().push(error);
                    continue;
                }
            };
            if this.skip_hidden && entry.depth() > 0 && is_hidden(entry.file_name()) {
                if entry.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let keep = match &this.glob {
                None => true,
                Some((glob, whole_path)) => {
                    if *whole_path {
                        glob.is_match(entry.path())
                    } else {
                        glob.is_match(Path::new(entry.file_name()))
                    }
                }
            };
            let keep = keep
                && this.shard.is_none_or(|(i, n)| {
                    let relative = entry
                        .path()
                        .strip_prefix(&this.root)
                        .unwrap_or(entry.path());
                    shard_of(relative) % n == i
                });
            if keep {
                return Some(entry.into_path());
            }
        }
    }
}

/// A hash of a path that every machine and every Rust version computes alike (FNV-1a over its
/// bytes, `/` between components): std's hashers promise neither.
fn shard_of(relative: &Path) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for (i, part) in relative.components().enumerate() {
        let sep: &[u8] = if i == 0 { b"" } else { b"/" };
        for &b in sep.iter().chain(part.as_os_str().as_encoded_bytes()) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// The default walk never fails: unreadable entries go to the report.
impl crate::sealed::Pull for Find {}
impl Pull for Find {
    type Item = PathBuf;
    type Return = ();

    fn pull(self: Pin<&mut Self>) -> Option<PathBuf> {
        self.get_mut().next_path()
    }

    fn take_return(self: Pin<&mut Self>) -> Option<()> {
        self.ended.then_some(())
    }
}

/// A [`find`] walk made [`strict`](Gen::<Find>::strict): its first unreadable entry is the
/// pipeline's error.
#[derive(Debug)]
pub struct StrictFind(Find);

impl crate::sealed::Pull for StrictFind {}
impl Pull for StrictFind {
    type Item = PathBuf;
    type Return = crate::error::Result<()>;

    fn pull(self: Pin<&mut Self>) -> Option<PathBuf> {
        self.get_mut().0.next_path()
    }

    fn take_return(self: Pin<&mut Self>) -> Option<crate::error::Result<()>> {
        let walk = &mut self.get_mut().0;
        match walk.failed.take() {
            Some(e) => Some(Err(e)),
            None => walk.ended.then_some(Ok(())),
        }
    }
}

/// The regular files under `root` whose base name matches the shell glob `glob` (the whole
/// root-joined path if `glob` contains a `/`), recursively, as root-joined paths. A `root` that
/// is a file is yielded itself if it matches. Use `"*"` for every file.
///
/// An entry that cannot be read (permissions, a vanished directory) does not end the walk: its
/// error is kept in the [`FindReport`] of [`Gen::report`](Gen::<Find>::report), as `grep -r`
/// prints and goes on.
///
/// # Panics
/// If `glob` is not a valid glob; the message names it.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::find;
///
/// let dir = std::env::temp_dir().join(format!("genpipe-doc-find-{}", std::process::id()));
/// std::fs::create_dir_all(dir.join("www/foo"))?;
/// std::fs::write(dir.join("www/foo/access-log"), "x\n")?;
/// std::fs::write(dir.join("www/foo/error-log"), "y\n")?;
/// std::fs::write(dir.join("www/access-log-0108.gz"), "")?;
///
/// let found = find(dir.join("www"), "access-log*").sorted() | collect::<Vec<_>>();
/// assert_eq!(found, [dir.join("www/access-log-0108.gz"), dir.join("www/foo/access-log")]);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find(root: impl AsRef<Path>, glob: &str) -> Gen<Find> {
    match try_find(root, glob) {
        Ok(walk) => walk,
        Err(e) => panic!("genpipe: find: invalid glob {glob:?}: {e}"),
    }
}

/// [`find`] for a glob that comes from outside the program: an invalid one is an error, not a
/// panic.
///
/// # Errors
/// The glob's syntax error (`globset`'s, which names the problem).
///
/// # Example
/// ```
/// use genpipe::io::try_find;
///
/// assert!(try_find(".", "*.log").is_ok());
/// let err = try_find(".", "[unclosed").unwrap_err();
/// assert!(err.to_string().contains("unclosed"));
/// ```
pub fn try_find(root: impl AsRef<Path>, glob: &str) -> Result<Gen<Find>, globset::Error> {
    let matcher = Glob::new(glob)?.compile_matcher();
    let whole_path = glob.contains('/');
    Ok(Gen::from_pull(Find {
        root: root.as_ref().to_path_buf(),
        sorted: false,
        walk: None,
        glob: Some((matcher, whole_path)),
        report: FindReport::default(),
        strict: false,
        skip_hidden: false,
        failed: None,
        ended: false,
        shard: None,
        follow_links: false,
    }))
}

impl Gen<Find> {
    /// Walks each directory in name order, so the output is the same on every run.
    pub fn sorted(self) -> Self {
        self.configure(|find| find.sorted = true)
    }

    /// Follows symbolic links: a link to a directory is walked into, a link to a file is found
    /// as a file (by default links are left out, as ripgrep does without `-L`). A link that
    /// leads back to a directory above it is reported as a filesystem loop, not followed.
    ///
    /// # Example
    /// ```
    /// # #[cfg(unix)] {
    /// use genpipe::prelude::*;
    /// use genpipe::io::find;
    ///
    /// let dir = std::env::temp_dir().join(format!("genpipe-doc-links-{}", std::process::id()));
    /// std::fs::create_dir_all(dir.join("real"))?;
    /// std::fs::write(dir.join("real/app.log"), "x\n")?;
    /// std::os::unix::fs::symlink(dir.join("real"), dir.join("linked"))?;
    /// assert_eq!(find(&dir, "*.log") | count(), 1);
    /// assert_eq!(find(&dir, "*.log").follow_links() | count(), 2);
    /// std::fs::remove_dir_all(&dir)?;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn follow_links(self) -> Self {
        self.configure(|find| find.follow_links = true)
    }

    /// Leaves out hidden entries, files and directories whose name starts with `.` (`.git/`
    /// and what is under it), as ripgrep does; the root itself is searched whatever its name.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::find;
    ///
    /// let dir = std::env::temp_dir().join(format!("genpipe-doc-hidden-{}", std::process::id()));
    /// std::fs::create_dir_all(dir.join(".git"))?;
    /// std::fs::write(dir.join(".git/HEAD.log"), "x\n")?;
    /// std::fs::write(dir.join(".hidden.log"), "x\n")?;
    /// std::fs::write(dir.join("app.log"), "x\n")?;
    /// assert_eq!(find(&dir, "*.log") | count(), 3);
    /// assert_eq!(find(&dir, "*.log").skip_hidden() | collect::<Vec<_>>(), [dir.join("app.log")]);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn skip_hidden(self) -> Self {
        self.configure(|find| find.skip_hidden = true)
    }

    /// Only the files of shard `i` of `n`: a stable partition by a hash of each file's path
    /// relative to the root, the same on every machine and every run, so `n` workers (or
    /// machines) given `shard(0, n)` .. `shard(n - 1, n)` see each file exactly once. Merge their
    /// results with [`Mergeable`](crate::par::Mergeable).
    ///
    /// # Panics
    /// `n == 0` or `i >= n`.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::find;
    ///
    /// let dir = std::env::temp_dir().join(format!("genpipe-doc-shard-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// for i in 0..20 {
    ///     std::fs::write(dir.join(format!("{i}.log")), "x\n")?;
    /// }
    /// let per_shard: Vec<usize> = (0..3).map(|i| find(&dir, "*.log").shard(i, 3) | count()).collect();
    /// assert_eq!(per_shard.iter().sum::<usize>(), 20);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shard(self, i: u64, n: u64) -> Self {
        assert!(
            i < n,
            "shard({i}, {n}): a shard's index is below the number of shards"
        );
        self.configure(|find| find.shard = Some((i, n)))
    }

    /// Ends the walk at the first entry it cannot read, with that error as the pipeline's
    /// outcome (the default keeps going and keeps the errors in the [`report`](Gen::report)).
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::find;
    ///
    /// // The default walk: nothing found, nothing failed; the report says why.
    /// assert_eq!(find("/definitely/not/here", "*") | count(), 0);
    /// // Strict: the walk's error is the pipeline's.
    /// let err = (find("/definitely/not/here", "*").strict() | count()).unwrap_err();
    /// assert!(err.to_string().contains("/definitely/not/here"));
    /// ```
    pub fn strict(self) -> Gen<StrictFind> {
        let mut walk = self.into_stage();
        walk.strict = true;
        Gen::from_pull(StrictFind(walk))
    }

    /// The report of entries the walk could not read; a handle that stays valid after the walk
    /// is consumed.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::find;
    ///
    /// let walk = find("/definitely/not/here", "*");
    /// let report = walk.report();
    /// assert_eq!(walk | count(), 0);
    /// assert_eq!(report.errors().len(), 1);
    /// assert!(report.errors()[0].contains("/definitely/not/here"));
    /// ```
    pub fn report(&self) -> FindReport {
        self.inspect_state(|find| find.report.clone())
    }
}

impl Gen<StrictFind> {
    /// The report of the strict walk: at most the one error that ended it.
    pub fn report(&self) -> FindReport {
        self.inspect_state(|strict| strict.0.report.clone())
    }
}
