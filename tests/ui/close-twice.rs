use genpipe::prelude::*;

#[coro]
fn counter() -> Coro<u8, usize> {
    let mut n = 0;
    while recv!().is_some() {
        n += 1;
    }
    n
}

fn main() {
    let c = counter();
    let _first = c.close();
    let _second = c.close();
}
