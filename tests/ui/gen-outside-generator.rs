// `Gen<T>` is how a `#[generator]` signature names its item type; outside one, `Gen<u32>` is a
// `Gen` over a `u32` pipeline, which does not exist. The error says to store a `BoxGen`.
use genpipe::prelude::*;

struct Job {
    source: Gen<u32>,
}

fn total(job: Job) -> u32 {
    let mut total = 0;
    for x in job.source {
        total += x;
    }
    total
}

fn main() {
    let _ = total;
}
