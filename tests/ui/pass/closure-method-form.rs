// The two fixes for a closure whose input type `|` cannot supply in time.
use genpipe::prelude::*;

fn main() {
    let words = || vec!["a".to_string(), "bb".to_string()];
    assert_eq!(pipe(words()) | filter(|w: &String| w.len() > 1) | count(), 1);
    assert_eq!(pipe(words()).filter(|w| w.len() > 1) | count(), 1);
}
