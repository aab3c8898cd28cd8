use genpipe::prelude::*;

fn main() {
    let _x: Option<u8> = recv!();
}
