use genpipe::memoize;

#[memoize]
fn describe<T: std::fmt::Debug>(x: T) -> String {
    format!("{x:?}")
}

#[memoize]
fn shown(x: impl std::fmt::Display) -> String {
    x.to_string()
}

fn main() {
    describe(1);
    shown(2);
}
