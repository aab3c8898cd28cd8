use genpipe::prelude::*;

#[coro]
async fn summer() -> Coro<u64, u64> {
    let mut total = 0;
    while let Some(x) = recv!() {
        total += x;
    }
    total
}

fn main() {
    let _ = summer();
}
