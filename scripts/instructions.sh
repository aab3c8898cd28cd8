#!/usr/bin/env bash
# Instructions per item for every engine case, from cachegrind: (Ir(2N) - Ir(N)) / N.
# Deterministic (unlike wall time on this 2-core machine). Fails when a target is missed.
#
#   scripts/instructions.sh            # report and gate
#   N=200000 scripts/instructions.sh   # another N
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}

command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 2; }

bin=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "could not build the instructions bench" >&2; exit 2; }

ir() { # total instructions of one run
  local out; out=$(mktemp)
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out" "$bin" "$1" "$2" >/dev/null 2>&1
  awk '/^summary:/ { print $2 }' "$out"; rm -f "$out"
}

declare -A per
cases=$({ "$bin" 2>&1 || true; } | awk '/^  / { print $1 }')
printf '%-32s %10s\n' case "instr/item"
for c in $cases; do
  a=$(ir "$c" "$N"); b=$(ir "$c" $((2 * N)))
  per[$c]=$(python3 -c "print(f'{($b - $a) / $N:.2f}')")
  printf '%-32s %10s\n' "$c" "${per[$c]}"
done

# Targets (issue 2, section 7). `check name value limit`.
fail=0
check() {
  if python3 -c "import sys; sys.exit(0 if $2 <= $3 else 1)"; then
    printf 'ok    %-58s %8s <= %s\n' "$1" "$2" "$3"
  else
    printf 'MISS  %-58s %8s >  %s\n' "$1" "$2" "$3"; fail=1
  fi
}
hand=${per[chain3/hand]}
check "chain3: genpipe within +2 of hand-written" "${per[chain3/genpipe]}" "$hand + 2"
check "chain3: Send generators same as non-Send (+0.5)" "${per[chain3/genpipe_send]}" "${per[chain3/genpipe]} + 0.5"
check "push: genpipe Coro within +2 of a closure" "${per[push/genpipe]}" "${per[push/closure]} + 2"
check "next() path (for loop) at most 45" "${per[chain3_memory/genpipe_for]}" 45
check "Vec stage: at most +16 per stage over hand-written (4 stages)" "${per[chain3_memory/genpipe_vec]}" "${per[chain3_memory/hand_vec]} + 64"
check "boxed pipeline: at most +16 per stage over hand-written (3 stages)" "${per[chain3_memory/genpipe_boxed]}" "$hand + 48"
exit $fail
