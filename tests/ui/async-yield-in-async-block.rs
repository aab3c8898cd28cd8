use genpipe::prelude::*;

#[generator]
async fn numbers() -> AsyncGen<u32> {
    let later = async {
        yield_!(1);
    };
    later.await;
}

#[coro]
async fn printer() -> AsyncCoro<u32, ()> {
    let _ = || recv!();
}

fn main() {
    let _ = numbers();
    let _ = printer();
}
