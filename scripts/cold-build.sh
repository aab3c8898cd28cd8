#!/usr/bin/env bash
# Cold builds of a tiny user crate (one #[generator], one `|` chain): what a newcomer waits
# for on `cargo build` after adding the dependency. Each variant gets a fresh target directory;
# the registry is warmed first so the figures are compile time, not download time.
# Usage: scripts/cold-build.sh [runs]: wall and CPU seconds of `cargo build` and
# `cargo build --release`, medians of `runs` (default 3), and the crates each builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

variant() { # name, dependency line, source
  mkdir -p "$work/$1/src"
  cat >"$work/$1/Cargo.toml" <<TOML
[package]
name = "cold-$1"
version = "0.0.0"
edition = "2024"
publish = false
[workspace]
[dependencies]
$2
TOML
  printf '%s\n' "$3" >"$work/$1/src/main.rs"
}

genpipe_src='use genpipe::prelude::*;
#[generator]
fn evens(n: u64) -> Gen<u64> {
    for i in 0..n {
        if i % 2 == 0 {
            yield_!(i);
        }
    }
}
fn main() {
    let total = evens(10) | map(|x: u64| x * 3) | sum::<u64>();
    println!("{total}");
}'
genawaiter_src='use genawaiter::{rc::r#gen, yield_};
fn main() {
    let evens = r#gen!({
        for i in 0..10u64 {
            if i % 2 == 0 {
                yield_!(i);
            }
        }
    });
    let total: u64 = evens.into_iter().map(|x| x * 3).sum();
    println!("{total}");
}'

variant genawaiter 'genawaiter = "0.99"' "$genawaiter_src"
variant default "genpipe = { path = \"$root\" }" "$genpipe_src"
variant no-default "genpipe = { path = \"$root\", default-features = false }" "$genpipe_src"
variant logs "genpipe = { path = \"$root\", features = [\"logs\"] }" "$genpipe_src"
variant full "genpipe = { path = \"$root\", features = [\"full\"] }" "$genpipe_src"

for v in genawaiter default no-default logs full; do
  (cd "$work/$v" && cargo fetch -q)
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cold() { # variant, cargo flags: prints "wall cpu", medians of $runs cold builds
  local walls=() cpus=() w u s
  for _ in $(seq "$runs"); do
    rm -rf "$work/target"
    (cd "$work/$1" && /usr/bin/time -o "$work/time" -f '%e %U %S' \
      cargo build -q --target-dir "$work/target" "${@:2}")
    read -r w u s <"$work/time"
    walls+=("$w"); cpus+=("$(echo "$u + $s" | bc)")
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
}
printf '%-12s %6s | %9s %8s | %9s %8s\n' variant crates dev_wall dev_cpu rel_wall rel_cpu
for v in genawaiter default no-default logs full; do
  # The crates built for it: its dependencies, each once (not the tiny crate itself).
  n=$(cd "$work/$v" && cargo tree -q -e normal --prefix none | sed 's/ (\*)$//' | sort -u \
    | grep -vc "^cold-$v ")
  read -r dw dc <<<"$(cold "$v")"
  read -r rw rc <<<"$(cold "$v" --release)"
  printf '%-12s %6s | %9s %8s | %9s %8s\n' "$v" "$n" "$dw" "$dc" "$rw" "$rc"
done
