//! `context_lines`: the selected lines of a search with the lines around them, as `grep -B/-A/-C`
//! shows them: a stage, so a library user gets what loggrep prints, in any pipeline.

use core::fmt;
use core::pin::Pin;
use std::collections::VecDeque;

use crate::consume::Sink;
use crate::engine::Pull;
use crate::pipe::stage::Stage;
use crate::pipe::stages::{Flow, Op};

use super::line::Line;

/// One item out of [`context_lines`]: a selected line, a line shown around one, or the break
/// between two groups that are not adjacent (grep's `--`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextLine<T = Line> {
    /// A line the predicate selected (up to [`max_selected`](Stage::max_selected) of them).
    Selected(T),
    /// A line before or after a selected one. Past the limit of `max_selected`, a line the
    /// predicate would select that falls in the last line's after-context is shown as this.
    Context(T),
    /// Lines were left out here: the next group does not follow the last one.
    Gap,
}

impl<T> ContextLine<T> {
    /// The line, unless this is a [`Gap`](ContextLine::Gap).
    pub fn line(&self) -> Option<&T> {
        match self {
            ContextLine::Selected(line) | ContextLine::Context(line) => Some(line),
            ContextLine::Gap => None,
        }
    }
}

/// The stage of [`context_lines`].
pub struct ContextOp<F, T> {
    select: F,
    before: usize,
    after: usize,
    max_selected: usize,
    selected: usize,
    /// The last `before` lines not shown: the before-context of the next selected line, each
    /// with its index in the input.
    held: VecDeque<(u64, T)>,
    /// Lines still to show after the last selected one.
    after_left: usize,
    /// Lines taken from upstream so far (the next one's index).
    seen: u64,
    /// The index of the last line shown: a group that starts further on is set apart.
    last_shown: Option<u64>,
    /// What the last line taken produced, not yet handed downstream.
    ready: VecDeque<ContextLine<T>>,
}

impl<F, T> fmt::Debug for ContextOp<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextOp")
            .field("before", &self.before)
            .field("after", &self.after)
            .field("max_selected", &self.max_selected)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl<F: FnMut(&T) -> bool, T> ContextOp<F, T> {
    /// Whether nothing more can be shown: the last selected line allowed and its after-context
    /// are out (then the stage stops pulling, so `-m` stops the reading).
    fn done(&self) -> bool {
        self.selected >= self.max_selected && self.after_left == 0
    }

    fn take(&mut self, line: T) {
        let index = self.seen;
        self.seen += 1;
        // Past the limit the predicate is not asked: its answer would change nothing shown.
        if self.selected < self.max_selected && (self.select)(&line) {
            let first = self.held.front().map_or(index, |&(i, _)| i);
            if self.last_shown.is_some_and(|last| first > last + 1) {
                self.ready.push_back(ContextLine::Gap);
            }
            self.ready
                .extend(self.held.drain(..).map(|(_, l)| ContextLine::Context(l)));
            self.ready.push_back(ContextLine::Selected(line));
            self.selected += 1;
            self.after_left = self.after;
            self.last_shown = Some(index);
        } else if self.after_left > 0 {
            self.ready.push_back(ContextLine::Context(line));
            self.after_left -= 1;
            self.last_shown = Some(index);
        } else if self.before > 0 {
            if self.held.len() == self.before {
                self.held.pop_front();
            }
            self.held.push_back((index, line));
        }
    }
}

impl<F: FnMut(&T) -> bool, T> Op for ContextOp<F, T> {
    type In = T;
    type Out = ContextLine<T>;

    fn pull<U: Pull<Item = T> + ?Sized>(&mut self, mut up: Pin<&mut U>) -> Option<ContextLine<T>> {
        loop {
            if let Some(out) = self.ready.pop_front() {
                return Some(out);
            }
            if self.done() {
                return None;
            }
            let line = up.as_mut().pull()?;
            self.take(line);
        }
    }

    fn push<K: Sink<ContextLine<T>>>(&mut self, line: T, down: &mut K) -> Flow {
        self.take(line);
        while let Some(out) = self.ready.pop_front() {
            if down.send(out).is_err() {
                return Flow::Stop;
            }
        }
        if self.done() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn is_exhausted(&self) -> bool {
        self.done()
    }
}

/// The lines `select` picks, each with up to `before` lines before it and `after` lines after
/// it, in input order, as `grep -B before -A after` shows them: a line is shown once however
/// many groups it belongs to, and a [`ContextLine::Gap`] stands where lines were left out
/// between two groups. Memory: `before` lines held at most.
///
/// Works on any items, not only [`Line`]s; the gap is found by position, so the lines need no
/// numbers. [`max_selected(n)`](Stage::max_selected) stops after the `n`th selected line's
/// after-context, pulling nothing more (`grep -m n`).
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{ContextLine, context_lines, lines_from};
///
/// let log = "a\nb\nERROR 1\nc\nd\ne\nERROR 2\nf\n";
/// let shown = lines_from(log.as_bytes())
///     | context_lines(1, 1, |l: &Line| l.starts_with(b"ERROR"))
///     | map(|c: ContextLine| match c {
///         ContextLine::Selected(l) => format!(":{l}"),
///         ContextLine::Context(l) => format!("-{l}"),
///         ContextLine::Gap => "--".to_string(),
///     })
///     | collect::<Vec<_>>();
/// assert_eq!(shown?, ["-b", ":ERROR 1", "-c", "--", "-e", ":ERROR 2", "-f"]);
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn context_lines<F: FnMut(&T) -> bool, T>(
    before: usize,
    after: usize,
    select: F,
) -> Stage<ContextOp<F, T>> {
    Stage::new(ContextOp {
        select,
        before,
        after,
        max_selected: usize::MAX,
        selected: 0,
        held: VecDeque::with_capacity(before.min(1024)),
        after_left: 0,
        seen: 0,
        last_shown: None,
        ready: VecDeque::new(),
    })
}

impl<F, T> Stage<ContextOp<F, T>> {
    /// Stops after the `n`th selected line and its after-context, as `grep -m n` does: later
    /// lines are not pulled.
    ///
    /// # Example
    /// ```
    /// use genpipe::prelude::*;
    /// use genpipe::io::{ContextLine, context_lines};
    ///
    /// let shown = pipe(1..)
    ///     | context_lines(0, 1, |n: &u32| n.is_multiple_of(10)).max_selected(2)
    ///     | collect::<Vec<_>>();
    /// use ContextLine::*;
    /// assert_eq!(shown, [Selected(10), Context(11), Gap, Selected(20), Context(21)]);
    /// ```
    pub fn max_selected(self, n: usize) -> Self {
        let mut op = self.into_op();
        op.max_selected = n;
        Stage::new(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use ContextLine::*;

    fn shown(items: &[u32], before: usize, after: usize, max: usize) -> Vec<ContextLine<u32>> {
        pipe(items.to_vec())
            | context_lines(before, after, |n: &u32| *n == 0).max_selected(max)
            | collect::<Vec<_>>()
    }

    #[test]
    fn groups_overlap_once_and_gaps_fall_between_groups() {
        let items = [1, 0, 2, 3, 0, 4, 5, 6, 7, 0];
        assert_eq!(
            shown(&items, 1, 1, usize::MAX),
            [
                Context(1),
                Selected(0),
                Context(2),
                Context(3),
                Selected(0),
                Context(4),
                Gap,
                Context(7),
                Selected(0)
            ]
        );
        // Adjacent groups have no gap between them; no context: gaps between lone selections.
        assert_eq!(
            shown(&[0, 1, 0], 0, 0, usize::MAX),
            [Selected(0), Gap, Selected(0)]
        );
        assert_eq!(shown(&[0, 0], 0, 0, usize::MAX), [Selected(0), Selected(0)]);
        assert_eq!(shown(&[], 2, 2, usize::MAX), []);
        assert_eq!(shown(&[1, 2], 2, 2, usize::MAX), []);
    }

    #[test]
    fn the_limit_stops_after_the_last_after_context_and_pulls_no_more() {
        assert_eq!(
            shown(&[0, 0, 0, 1], 0, 2, 1),
            [Selected(0), Context(0), Context(0)]
        );
        assert_eq!(shown(&[1, 0, 1], 1, 0, 0), []);
        let mut pulled = 0;
        let got = pipe(0u32..)
            | inspect(|_: &u32| pulled += 1)
            | context_lines(0, 1, |n: &u32| n.is_multiple_of(3)).max_selected(2)
            | count();
        assert_eq!(
            (got, pulled),
            (5, 5),
            "0, 1, gap, 3, 4: nothing pulled past 4"
        );
    }

    #[test]
    fn pushed_lines_give_what_pulled_lines_give() {
        let items = [3, 0, 1, 2, 5, 0, 0, 9, 8, 7, 0, 1];
        for (before, after, max) in [(0, 0, 9), (1, 2, 9), (3, 0, 2), (2, 2, 1)] {
            let pulled = shown(&items, before, after, max);
            let mut sink = context_lines(before, after, |n: &u32| *n == 0).max_selected(max)
                | collect::<Vec<_>>();
            for &n in &items {
                if sink.send(n).is_err() {
                    break;
                }
            }
            let pushed = sink.close();
            assert_eq!(pulled, pushed, "{before} {after} {max}");
        }
    }
}
