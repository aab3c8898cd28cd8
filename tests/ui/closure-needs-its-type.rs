// In `gen | filter(|w| ..)` the closure is checked before `|` gives it its input type, so rustc
// asks for the type (named `Item` in its suggestion). The fixes: `filter(|w: &String| ..)`, or
// the method form `pipe(words).filter(|w| ..)`, which knows it.
use genpipe::prelude::*;

fn main() {
    let words = vec!["a".to_string(), "bb".to_string()];
    let _ = pipe(words) | filter(|w| w.len() > 1) | count();
}
