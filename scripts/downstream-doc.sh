#!/usr/bin/env bash
# The rustdoc a library that depends on genpipe gets for its own #[generator]s: their signatures
# must name only public, documented paths (never genpipe::__private). CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
down=target/ci-downstream
mkdir -p "$down/src"
cat > "$down/Cargo.toml" <<EOF
[package]
name = "downstream"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
genpipe = { path = "$PWD", default-features = false }
EOF
cat > "$down/src/lib.rs" <<'EOF'
//! Public generators of a library.
use genpipe::{Gen, generator};

/// A stage.
#[generator]
pub fn doubled(input: impl Iterator<Item = u32>) -> Gen<u32> {
    for x in input {
        yield_!(x * 2);
    }
}

/// A source.
#[generator]
pub fn upto(n: u32) -> Gen<u32> {
    for i in 0..n {
        yield_!(i);
    }
}
EOF
cargo doc -q --no-deps --manifest-path "$down/Cargo.toml" --target-dir "$down/target"
grep -q "GeneratorOp" "$down/target/doc/downstream/fn.doubled.html" \
  || { echo "the stage's signature is not in its rustdoc page"; exit 1; }
if grep -rl "__private" "$down/target/doc/downstream/"; then
  echo "the downstream docs name genpipe::__private (files above)"; exit 1
fi
echo "downstream rustdoc: no private path"
