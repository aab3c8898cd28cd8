#!/usr/bin/env bash
# Fuzzes the parsers of genpipe's sources (syslog, TCP syslog framing, postcard frames, JSON
# Lines, XML events, Apache access logs) with libFuzzer, each for a bounded time, and keeps what
# it finds interesting in fuzz/corpus/<target> (minimized, committed). `tests/hostile.rs` replays
# the corpus on every `cargo test`, so an input that once broke a parser stays a test.
#
#   scripts/fuzz.sh                         # every target, 60 s each
#   SECONDS_PER=600 scripts/fuzz.sh syslog  # one target, longer
#
# Needs nightly and cargo-fuzz (installed here if missing); not part of CI (run by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
per=${SECONDS_PER:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(syslog syslog_frames frames json_lines xml_events access_log)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  echo "== $t, ${per}s"
  cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$per" -max_len=4096 -rss_limit_mb=2048 -timeout=10
  # Keep the corpus small enough to replay in tests: the inputs that cover something new.
  cargo +nightly fuzz cmin "$t" "fuzz/corpus/$t" -- -max_len=4096 >/dev/null 2>&1 || true
done
echo "corpus: $(find fuzz/corpus -type f | wc -l) inputs; replay with cargo test --all-features --test hostile"
