// A user's sink after `|`, with only `send` and `close` implemented.
use genpipe::prelude::*;

struct Total(u64);

impl Sink<u64> for Total {
    type Out = u64;

    fn send(&mut self, item: u64) -> Result<(), SendError<u64>> {
        self.0 += item;
        Ok(())
    }

    fn close(self) -> u64 {
        self.0
    }
}

fn main() {
    assert_eq!(pipe(1..=4u64) | sink(Total(0)), 10);
    assert_eq!(pipe(1..=4u64) | filter(|x: &u64| x % 2 == 0) | sink(Total(0)), 6);
}
