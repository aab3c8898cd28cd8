use genpipe::prelude::*;

fn main() {
    // Not in the prelude, so no `use std::cmp::max` can swap them silently: `sinks::max()`.
    let _ = pipe([3, 1, 2]) | max();
}
