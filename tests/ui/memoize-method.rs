use genpipe::memoize;

struct Resolver;

impl Resolver {
    #[memoize]
    fn resolve(&self, host: &str) -> String {
        host.to_string()
    }
}

fn main() {
    Resolver.resolve("a");
}
