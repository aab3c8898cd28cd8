use genpipe::prelude::*;

#[coro]
fn printer() -> Coro<String, ()> {
    while let Some(line) = recv!() {
        yield_!(line);
    }
}

fn main() {
    printer().close();
}
