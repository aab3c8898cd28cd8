//! `Mergeable`: the results of the same pipeline over parts of the input, made one, as if one
//! run had seen it all. The unit a distributed engine schedules: shard a tree with
//! [`find(..).shard(i, n)`](crate::io::Find), run the pipeline on each shard anywhere, merge.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use crate::combinators::TopCounts;

/// Results of the same sink over disjoint parts of one input, merged into the result of the
/// whole: counts and sums add, `group_count` maps add per key, `most_common(k).keep_counts()`
/// adds every count (so the top `k` of the merge is exact), `collect`ed `Vec`s append in the
/// order merged, tuples (a `broadcast`'s result) merge element-wise, and `Result`s keep the
/// first error.
///
/// Named `Mergeable` because [`combinators::Merge`](crate::combinators::Merge) is the sorted
/// merge of `merge_by`.
///
/// Exact for every type but `f32` and `f64`: float addition is not associative, so the sum of
/// the parts' sums can differ in the last bits from one sequential sum (and with it, from a
/// run split otherwise). For an exact total, sum integers (cents, bytes) and convert at the end.
///
/// ```
/// use genpipe::par::Mergeable;
///
/// let (a, b, c) = (1e16_f64, 1.0, 1.0);
/// assert_eq!((a + b) + c, 1e16);            // one run: each 1.0 is lost to rounding
/// assert_eq!(a.merge(b + c), 1e16 + 2.0);   // two parts merged: 2.0 is not
/// assert_eq!(10_000_000_000_000_000_u64.merge(1 + 1), 10_000_000_000_000_002); // integers: exact
/// ```
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::par::Mergeable;
///
/// let words = ["a", "b", "a", "c", "a", "b"];
/// let run = |part: &[&'static str]| pipe(part.to_vec()) | broadcast((count(), group_count()));
/// let (left, right) = words.split_at(2);
/// let merged = run(left).merge(run(right));
/// assert_eq!(merged, run(&words));
/// ```
pub trait Mergeable {
    /// This result and `other`'s, as one run over both parts would give.
    #[must_use]
    fn merge(self, other: Self) -> Self;
}

macro_rules! add_numbers {
    ($($t:ty)*) => {$(
        impl Mergeable for $t {
            #[inline]
            fn merge(self, other: Self) -> Self {
                self + other
            }
        }
    )*};
}
add_numbers!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64);

impl<K: Eq + Hash, S: std::hash::BuildHasher> Mergeable for HashMap<K, usize, S> {
    fn merge(mut self, other: Self) -> Self {
        for (k, n) in other {
            *self.entry(k).or_insert(0) += n;
        }
        self
    }
}

impl<K: Ord> Mergeable for BTreeMap<K, usize> {
    fn merge(mut self, other: Self) -> Self {
        for (k, n) in other {
            *self.entry(k).or_insert(0) += n;
        }
        self
    }
}

impl<T: Eq + Hash + Ord> Mergeable for TopCounts<T> {
    fn merge(mut self, other: Self) -> Self {
        self.add(other);
        self
    }
}

impl<T> Mergeable for Vec<T> {
    fn merge(mut self, mut other: Self) -> Self {
        self.append(&mut other);
        self
    }
}

impl<T: Mergeable, E> Mergeable for Result<T, E> {
    fn merge(self, other: Self) -> Self {
        Ok(self?.merge(other?))
    }
}

macro_rules! merge_tuple {
    ($($T:ident $i:tt),+) => {
        impl<$($T: Mergeable),+> Mergeable for ($($T,)+) {
            fn merge(self, other: Self) -> Self {
                ($(self.$i.merge(other.$i),)+)
            }
        }
    };
}
merge_tuple!(A 0);
merge_tuple!(A 0, B 1);
merge_tuple!(A 0, B 1, C 2);
merge_tuple!(A 0, B 1, C 2, D 3);
merge_tuple!(A 0, B 1, C 2, D 3, E 4);
merge_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
