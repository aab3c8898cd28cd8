// async-stream #107: a stream's items outlived the data they borrowed, and it compiled. Here
// the item type is the declared one, so the borrow checker sees the items' lifetime.
use genpipe::prelude::*;

#[generator]
async fn items<'a>(v: &'a [u32]) -> AsyncGen<'a, &'a u32> {
    for x in v {
        yield_!(x);
    }
}

#[generator]
async fn local_refs() -> AsyncGen<&'static u32> {
    let local = vec![1, 2, 3];
    for x in &local {
        yield_!(x);
    }
}

fn main() {
    let mut outer = vec![];
    {
        let v = vec![0; 10];
        let mut s = items(&v);
        for x in futures_executor::block_on_stream(&mut s) {
            outer.push(x);
        }
    }
    println!("{outer:?}");
    let _ = local_refs();
}
