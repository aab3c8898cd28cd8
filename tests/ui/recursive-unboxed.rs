use genpipe::prelude::*;

struct Node {
    value: u32,
    children: Vec<Node>,
}

// A recursive generator must declare `BoxGen<'a, T>`: its type would contain itself.
#[generator]
fn walk<'a>(node: &'a Node) -> Gen<'a, u32> {
    yield_!(node.value);
    for child in &node.children {
        yield_from!(walk(child));
    }
}

fn main() {
    let tree = Node { value: 1, children: vec![] };
    let _ = walk(&tree) | count();
}
