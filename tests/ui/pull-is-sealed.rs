// `Pull` is sealed: a producer of one's own is an `Iterator` piped in, or a `#[generator]`.
use core::pin::Pin;

use genpipe::Pull;

struct Ones;

impl Pull for Ones {
    type Item = u8;
    type Return = ();

    fn pull(self: Pin<&mut Self>) -> Option<u8> {
        Some(1)
    }

    fn take_return(self: Pin<&mut Self>) -> Option<()> {
        None
    }
}

fn main() {}
