#!/usr/bin/env bash
# loggrep against ripgrep, GNU grep and a Python generator pipeline: count the lines containing
# a literal in one generated access log; then the bytes sum against Python and a hand-written
# zero-copy loop. Wall-time medians from one hyperfine run per job, reported as ratios (the
# machine is noisy; ratios from one run are what compare), and the peak RSS of the lazy and
# eager bytes sums.
#
#   scripts/compare.sh            # 500 MiB log under target/compare/
#   MB=100 RUNS=5 scripts/compare.sh
#
# Needs hyperfine (apt-get install hyperfine) and ripgrep (cargo install ripgrep); a missing
# tool is skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-500}
RUNS=${RUNS:-10}
PATTERN='" 404 '
dir=target/compare
log=$dir/access-${MB}mb.log
mkdir -p "$dir"

command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 2; }
cargo build --quiet --release --example loggrep --example make_log --example bytes_sum
[ -f "$log" ] || target/release/examples/make_log "$log" "$MB"

# compare JOB BASE NAME CMD [NAME CMD ...]: checks that every command prints the same, times them
# in one hyperfine run and prints medians as ratios to BASE (or the first command).
compare() {
  local job=$1 base=$2; shift 2
  local names=() cmds=() want=""
  while [ $# -gt 0 ]; do names+=("$1"); cmds+=("$2"); shift 2; done
  for i in "${!cmds[@]}"; do
    got=$(bash -c "${cmds[$i]}")
    [ -z "$want" ] && want=$got
    [ "$got" = "$want" ] || { echo "$job: ${names[$i]} printed $got, ${names[0]} printed $want" >&2; exit 1; }
  done
  local json=$dir/$job-${MB}mb.json args=()
  for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
  hyperfine --warmup 2 --runs "$RUNS" --output=pipe --export-json "$json" "${args[@]}" >/dev/null 2>&1
  python3 - "$json" "$MB" "$job" "$base" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
base = next((r for r in runs if r["command"] == sys.argv[4]), runs[0])
print(f"{sys.argv[3]}: {sys.argv[2]} MiB log, median wall time, ratio to {base['command']}")
for r in runs:
    print(f"  {r['command']:<28} {r['median']*1000:9.1f} ms  {r['median']/base['median']:6.2f}x")
PY
}

count=()
if command -v rg >/dev/null; then
  count+=("rg -c" "rg -c '$PATTERN' $log" "rg -c --no-mmap" "rg -c --no-mmap '$PATTERN' $log")
else
  echo "note: ripgrep not installed (cargo install ripgrep): skipped" >&2
fi
count+=("loggrep -c --mmap" "target/release/examples/loggrep -c --mmap '$PATTERN' $log")
count+=("loggrep -c" "target/release/examples/loggrep -c '$PATTERN' $log")
count+=("GNU grep -c" "grep -c '$PATTERN' $log")
count+=("python generators" "python3 scripts/gencount.py '$PATTERN' $log")
compare count "rg -c" "${count[@]}"

compare bytes_sum "genpipe (lazy)" \
  "genpipe (lazy)" "target/release/examples/bytes_sum $log" \
  "genpipe --eager" "target/release/examples/bytes_sum --eager $log" \
  "python generators" "python3 scripts/bytesum.py $log"

for mode in "" --eager; do
  target/release/examples/bytes_sum --stats $mode "$log" 2>&1 >/dev/null
done
