//! The same job as a pull pipeline and as a push pipeline, side by side: find the lines that
//! mention "python" in some text and count them.
//!
//! `cargo run --example pipes`

use genpipe::prelude::*;

const TEXT: &str = "\
python generators are lazy
rust iterators are lazy too
a python coroutine receives values
genpipe gives rust both";

// ---- pull: the sink at the end asks for items, each stage asks the one before it ----

#[generator]
fn lines(text: &'static str) -> Gen<&'static str> {
    for line in text.lines() {
        yield_!(line);
    }
}

#[generator]
fn grep(pattern: &'static str, input: impl Iterator<Item = &'static str>) -> Gen<&'static str> {
    for line in input {
        if line.contains(pattern) {
            yield_!(line);
        }
    }
}

// ---- push: the source sends items, each coroutine passes them on ----

#[coro]
fn grep_to(pattern: &'static str, mut target: impl Sink<String>) -> Coro<String, ()> {
    while let Some(line) = recv!() {
        if line.contains(pattern) && target.send(line).is_err() {
            break;
        }
    }
    target.close();
}

#[coro]
fn printer(prefix: &'static str) -> Coro<String, usize> {
    let mut n = 0;
    while let Some(line) = recv!() {
        println!("{prefix}{line}");
        n += 1;
    }
    n
}

fn main() {
    println!("pull:");
    let found = lines(TEXT) | grep("python") | inspect(|l: &&str| println!("  {l}")) | count();
    println!("  {found} lines");

    println!("push:");
    let mut pipeline = grep_to("python", printer("  "));
    for line in TEXT.lines() {
        pipeline
            .send(line.to_string())
            .expect("the pipeline is open");
    }
    pipeline.close();

    println!("both: a push stage at the end of a pull pipeline");
    let found = lines(TEXT).map(str::to_string) | printer("  > ");
    println!("  {found} lines printed");
}
