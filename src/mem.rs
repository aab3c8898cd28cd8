//! Measuring memory: a counting allocator, per-thread peaks, and the process's peak RSS.
//!
//! The library never installs an allocator. A program (or a test binary) that wants numbers
//! installs [`CountingAlloc`] itself:
//!
//! ```
//! use genpipe::mem::{CountingAlloc, measure};
//!
//! #[global_allocator]
//! static ALLOC: CountingAlloc = CountingAlloc::system();
//!
//! let (v, report) = measure(|| vec![0u8; 1 << 20]);
//! assert!(report.peak_bytes >= 1 << 20);
//! assert_eq!(report.allocations, 1);
//! drop(v);
//! ```
//!
//! Why per thread: tests run in parallel threads, and a process-wide peak would mix them up.
//! Memory freed on another thread than the one that allocated it shows up as a negative current
//! value on the freeing thread; the peaks of a single-threaded measurement are exact.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// A global allocator that forwards to `A` (the system allocator by default) and counts, per
/// thread, the bytes in use, their peak, and the number of allocations.
#[derive(Debug, Default)]
pub struct CountingAlloc<A = System> {
    inner: A,
}

impl CountingAlloc<System> {
    /// Counting over the system allocator; `const`, for a `static`.
    pub const fn system() -> Self {
        CountingAlloc { inner: System }
    }
}

impl<A> CountingAlloc<A> {
    /// Counting over another allocator.
    pub const fn new(inner: A) -> Self {
        CountingAlloc { inner }
    }
}

thread_local! {
    // `const` initialisers and no destructors: touching them never allocates, which an
    // allocator must not do.
    static CURRENT: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

fn record(delta: i64, new_allocation: bool) {
    // `try_with`: during thread teardown the counters may be gone; the allocation still works.
    let _ = CURRENT.try_with(|current| {
        let now = current.get() + delta;
        current.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
    if new_allocation {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments unchanged; the only
// addition is bookkeeping in thread-locals, which neither allocates nor unwinds.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        // SAFETY: the caller's contract is `inner`'s.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            record(layout.size() as i64, true);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        // SAFETY: the caller's contract is `inner`'s.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(layout.size() as i64, true);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `inner`'s.
        unsafe { self.inner.dealloc(ptr, layout) };
        record(-(layout.size() as i64), false);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `inner`'s.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            record(new_size as i64 - layout.size() as i64, false);
        }
        new
    }
}

/// What [`measure`] saw on the calling thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemReport {
    /// The most heap bytes in use at once during the call, above what was in use before it.
    pub peak_bytes: u64,
    /// Heap bytes still in use after the call that were not before it (the result, leaks).
    pub retained_bytes: i64,
    /// Allocations made (reallocations not counted).
    pub allocations: u64,
    /// The process's peak resident set size after the call, where the OS reports it.
    pub peak_rss_bytes: Option<u64>,
}

/// Runs `f` and reports the heap it used on this thread.
///
/// All zeros if [`CountingAlloc`] is not the global allocator (see [`is_installed`]).
///
/// # Example
/// See the [module docs](self).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, MemReport) {
    let start = CURRENT.with(Cell::get);
    let allocations = ALLOCATIONS.with(Cell::get);
    let saved_peak = PEAK.with(|p| p.replace(start));
    let out = f();
    let peak = PEAK.with(Cell::get);
    PEAK.with(|p| p.set(p.get().max(saved_peak)));
    let report = MemReport {
        peak_bytes: (peak - start).max(0) as u64,
        retained_bytes: CURRENT.with(Cell::get) - start,
        allocations: ALLOCATIONS.with(Cell::get) - allocations,
        peak_rss_bytes: peak_rss_bytes(),
    };
    (out, report)
}

/// Whether [`CountingAlloc`] has served an allocation in this process (so it is installed).
pub fn is_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// The process's peak resident set size, in bytes: Linux's `VmHWM`; `None` elsewhere.
///
/// # Example
/// ```
/// if let Some(bytes) = genpipe::mem::peak_rss_bytes() {
///     assert!(bytes > 0);
/// }
/// ```
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
