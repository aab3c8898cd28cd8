use genpipe::prelude::*;
use genpipe::sched::GetTid;

fn main() {
    let _tid = syscall!(GetTid);
}
