// The body's `Co` is bound with mixed-site hygiene: user code cannot reach it (and so cannot
// hand it to another thread or await it where the engine does not expect it).
use genpipe::prelude::*;

#[generator]
fn leaks() -> Gen<u8> {
    let co = __genpipe_co;
    yield_!(1);
}

fn main() {
    let _ = leaks();
}
