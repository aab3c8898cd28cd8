#!/usr/bin/env bash
# loggrep against ripgrep, GNU grep and a Python generator pipeline: count the lines containing
# a literal in one generated access log. Wall-time medians from one hyperfine run, reported as
# ratios to ripgrep (the machine is noisy; ratios from one run are what compare).
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
cargo build --quiet --release --example loggrep --example make_log
[ -f "$log" ] || target/release/examples/make_log "$log" "$MB"

declare -a names cmds
add() { names+=("$1"); cmds+=("$2"); }
if command -v rg >/dev/null; then add ripgrep "rg -c '$PATTERN' $log"; else echo "note: ripgrep not installed (cargo install ripgrep): skipped" >&2; fi
add loggrep "target/release/examples/loggrep -c '$PATTERN' $log"
add "loggrep -e (regex, per line)" "target/release/examples/loggrep -c -e '\" 404 ' $log"
add "GNU grep" "grep -c '$PATTERN' $log"
add "python generators" "python3 scripts/gencount.py '$PATTERN' $log"

# Every tool must agree before anything is timed.
want=$(grep -c "$PATTERN" "$log")
for i in "${!cmds[@]}"; do
  got=$(bash -c "${cmds[$i]}")
  [ "$got" = "$want" ] || { echo "${names[$i]} counted $got, grep counted $want" >&2; exit 1; }
done

json=$dir/compare-${MB}mb.json
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine --warmup 2 --runs "$RUNS" --output=pipe --export-json "$json" "${args[@]}" >/dev/null

python3 - "$json" "$MB" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
base = next((r for r in runs if r["command"] == "ripgrep"), runs[0])
print(f"{sys.argv[2]} MiB log, median wall time, ratio to {base['command']}")
for r in runs:
    print(f"  {r['command']:<32} {r['median']*1000:9.1f} ms  {r['median']/base['median']:6.2f}x")
PY
