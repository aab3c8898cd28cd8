#!/usr/bin/env bash
# What a user of the published crate can build: the packaged genpipe (its tarball, unpacked)
# builds its library, tests, examples and benches, with every feature, against the packaged
# genpipe-macros. The published manifest has no dev-dependency on genpipe itself, so a test
# or example that needs a feature must say so (`required-features`); one that does not fails
# here. CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cargo package --workspace --allow-dirty -q
unpacked=$target/package/check
rm -rf "$unpacked" && mkdir -p "$unpacked"
tar xzf "$target/package/genpipe-$version.crate" -C "$unpacked"
tar xzf "$target/package/genpipe-macros-$version.crate" -C "$unpacked"
cd "$unpacked/genpipe-$version"
# The packaged macros crate stands in for the registry's (it is not published yet).
patch="patch.crates-io.genpipe-macros.path=\"$unpacked/genpipe-macros-$version\""
# Default features: what needs more is skipped, not broken.
CARGO_TARGET_DIR=$target cargo test -q --all-targets --no-run --config "$patch"
# Every feature: everything builds.
CARGO_TARGET_DIR=$target cargo test -q --all-features --all-targets --no-run --config "$patch"
echo "the packaged crate builds its tests, examples and benches"
