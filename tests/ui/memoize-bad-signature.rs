use genpipe::memoize;

#[memoize]
fn bump(counter: &mut u32) -> u32 {
    *counter += 1;
    *counter
}

#[memoize]
async fn later(x: u32) -> u32 {
    x
}

#[memoize]
fn nothing(x: u32) {
    let _ = x;
}

#[memoize(capacity = 10, size = 3)]
fn sized(x: u32) -> u32 {
    x
}

#[memoize]
fn tuple((a, b): (u32, u32)) -> u32 {
    a + b
}

#[memoize]
fn evens(n: u32) -> impl Iterator<Item = u32> {
    (0..n).filter(|x| x % 2 == 0)
}

fn main() {}
