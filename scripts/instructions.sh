#!/usr/bin/env bash
# Instructions per item, from cachegrind: (Ir(2N) - Ir(N)) / N. Deterministic for a given build
# (unlike wall time on this 2-core machine), so CI gates on it.
#
#   scripts/instructions.sh                # gate: bench cases and the user-crate probe
#   PROFILES=all scripts/instructions.sh   # also the probe with codegen-units=1, thin and fat LTO
#   N=200000 scripts/instructions.sh       # another N
#
# Two builds are measured:
# - benches/instructions.rs, genpipe's own bench profile: the engine cases against genawaiter
#   and the combinator cases;
# - tests/user-crate, a crate outside the workspace that depends on genpipe by path and is built
#   with the default `--release` profile, as every user's crate is: what users get. Its
#   generators are each used by several pipelines, as in real code.
# Checks:
# - targets: the goals of issue 8 (hand-written parity, +16 per stage in memory); a miss fails;
# - budgets: a ceiling where a target is missed and the miss is explained (benches/README.md),
#   and regression ceilings for the io-free combinator cases;
# - profiles (PROFILES=all): no profile may be slower than the default one on a stack-path probe
#   case; the in-memory cases are reported ("report"), with the reasons in benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
PROFILES=${PROFILES:-default}

command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 2; }

ir() { # total instructions of one run; a run that fails (a wrong result, a panic) stops the script
  local out; out=$(mktemp)
  if ! valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out" "$1" "$2" "$3" >/dev/null 2>&1; then
    echo "case $2 failed with n=$3:" >&2; "$1" "$2" "$3" >&2 || true; rm -f "$out"; return 1
  fi
  awk '/^summary:/ { print $2 }' "$out"; rm -f "$out"
}

declare -A per
measure() { # prefix binary cases...
  local prefix=$1 bin=$2 c a b; shift 2
  for c in "$@"; do
    a=$(ir "$bin" "$c" "$N") || exit 2
    b=$(ir "$bin" "$c" $((2 * N))) || exit 2
    per[$prefix$c]=$(python3 -c "print(f'{($b - $a) / $N:.2f}')")
    printf '%-40s %10s\n' "$prefix$c" "${per[$prefix$c]}"
  done
}

fail=0
check() { # kind name value limit
  if python3 -c "import sys; sys.exit(0 if $3 <= $4 else 1)"; then
    printf 'ok      %-7s %-58s %8s <= %s\n' "$1" "$2" "$3" "$4"
  else
    over=$(python3 -c "print(f'{$3 - ($4):.1f}')")
    printf 'MISSED  %-7s %-58s %8s >  %s (by %s)\n' "$1" "$2" "$3" "$4" "$over"
    [ "$1" = report ] || fail=1
  fi
}

# ---- genpipe's own bench build ----
bench=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')
[ -x "$bench" ] || { echo "could not build the instructions bench" >&2; exit 2; }
printf '%-40s %10s\n' case "instr/item"
# shellcheck disable=SC2046
measure "" "$bench" $({ "$bench" 2>&1 || true; } | awk '/^  / { print $1 }')

# ---- the user-crate probe, as users build it ----
probe_cases=(chain/hand chain/genpipe chain/for_heap chain/for_pinned chain/boxed push/closure push/coro
  vec/hand vec/genpipe spread/hand spread/genpipe twice/hand twice/genpipe boxed/hand boxed/genpipe
  lines/hand lines/genpipe lines/map lines/stage lines/progress
  stream/futures_lite stream/genpipe async/async_stream async/genpipe)
build_probe() { # profile -> path of the binary
  local dir=target/user-crate/$1
  case $1 in
    default) env -u CARGO_PROFILE_RELEASE_LTO -u CARGO_PROFILE_RELEASE_CODEGEN_UNITS \
               cargo build -q --release --manifest-path tests/user-crate/Cargo.toml --target-dir "$dir" ;;
    cgu1) CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
            cargo build -q --release --manifest-path tests/user-crate/Cargo.toml --target-dir "$dir" ;;
    thin|fat) CARGO_PROFILE_RELEASE_LTO=$1 \
            cargo build -q --release --manifest-path tests/user-crate/Cargo.toml --target-dir "$dir" ;;
  esac >&2
  echo "$dir/release/genpipe-user-probe"
}
probe_results_agree() { # binary: every case prints what its group's hand-written case prints
  local bin=$1 c want
  for c in "${probe_cases[@]}"; do
    case $c in
      */hand|*/closure|stream/futures_lite|async/async_stream) want=$("$bin" "$c" 1000) ;;
      *) [ "$("$bin" "$c" 1000)" = "$want" ] || { echo "probe case $c disagrees with its baseline" >&2; exit 2; } ;;
    esac
  done
}
profiles=(default)
[ "$PROFILES" = all ] && profiles=(default cgu1 thin fat)
for p in "${profiles[@]}"; do
  bin=$(build_probe "$p")
  probe_results_agree "$bin"
  measure "user-$p:" "$bin" "${probe_cases[@]}"
done

echo
u() { echo "${per[user-default:$1]}"; }
hand=${per[chain3/hand]}
check target "bench chain3: genpipe stages within +2 of hand" "${per[chain3/genpipe]}" "$hand + 2"
check target "bench chain3: Send generators cost what the others do" "${per[chain3/genpipe_send]}" "${per[chain3/genpipe]} + 0.5"
check target "bench chain3: a user's sink after | costs what sum() does" "${per[chain3/genpipe_user_sink]}" "${per[chain3/genpipe_send]} + 0.5"
check target "bench chain3: try_map costs what map does" "${per[chain3/genpipe_try_map]}" "${per[chain3/genpipe_builtin]} + 0.5"
check target "bench chain3: built-in stages within +2 of hand" "${per[chain3/genpipe_builtin]}" "$hand + 2"
check target "bench for x in pin!(chain) within +2 of hand" "${per[chain3_memory/genpipe_for_pinned]}" "$hand + 2"
check target "bench push: Coro within +2 of a closure" "${per[push/genpipe]}" "${per[push/closure]} + 2"
check target "bench genpipe beats genawaiter rc (chain, push)" "${per[chain3/genpipe]} + ${per[push/genpipe]}" "${per[chain3/genawaiter_rc]} + ${per[push/genawaiter_rc]}"
# Missed targets, explained in benches/README.md: ceilings against regressions.
# The Vec stage's +16 per stage over hand (4 stages) was met (102.75 <= 40.25 + 64) until io code
# unrelated to it moved where codegen units fall (issue 19): 104.75 against 39.25 + 64.
check budget "bench Vec stage: +16 per stage over hand (missed by 1.5: ceiling 105)" "${per[chain3_memory/genpipe_vec]}" 105
check budget "bench next() path (for loop on the heap; target 45)" "${per[chain3_memory/genpipe_for]}" 82
check budget "bench boxed (target hand + 48; the user build meets it)" "${per[chain3_memory/genpipe_boxed]}" 88
check budget "combinators: the same job in one broadcast branch" "${per[combinators/broadcast2]}" 20
check budget "combinators: two tee readers in step (both reads)" "${per[combinators/tee2]}" 215
check budget "combinators: a #[memoize] hit per item" "${per[combinators/memoize_hit]}" 130

uh=$(u chain/hand)
check target "user chain: genpipe stages within +2 of hand" "$(u chain/genpipe)" "$uh + 2"
check target "user for x in pin!(chain) within +2 of hand" "$(u chain/for_pinned)" "$uh + 2"
check target "user a stage twice in one pipeline within +2 of hand" "$(u twice/genpipe)" "$(u twice/hand) + 2"
check target "user push: #[coro] within +2 of a closure" "$(u push/coro)" "$(u push/closure) + 2"
check target "user boxed: +16 per stage over hand (3 stages)" "$(u chain/boxed)" "$uh + 48"
check target "user two yield points and state: +16 per stage (4 stages)" "$(u spread/genpipe)" "$(u spread/hand) + 64"
check budget "user next() path (for loop on the heap; target 45 missed)" "$(u chain/for_heap)" 70
# Issue 17's rows (the shapes users write), with the issue's targets; where a target is missed
# (benches/README.md says by how much and what was tried) a ceiling at today's figure keeps it
# from getting worse.
check target "user push into a #[coro] in a binary of 19 cases: as a closure" "$(u push/coro)" "$(u push/closure)"
check target "user twice: a stage used twice costs what hand does" "$(u twice/genpipe)" "$(u twice/hand) + 2"
check budget "user lines | fold within 1.2x hand (missed: ceiling 1.35x)" "$(u lines/genpipe)" "$(u lines/hand) * 1.35"
check budget "user lines | map(|l| l) within map's +4 of lines | fold" "$(u lines/map)" "$(u lines/genpipe) + 10"
check budget "user lines | a #[generator] stage within map + 10 (missed: ceiling map + 56)" "$(u lines/stage)" "$(u lines/map) + 56"
check budget "user heap for loop <= 28 (missed: ceiling 70)" "$(u chain/for_heap)" 70
# 101 at fe85ca7 (within hand + 64 then); 103 once io code unrelated to it was added (issue
# 19's par_grep_file), the hand-written baseline moving 38.5 -> 37.5 in the same build: where
# codegen units fall. Its +16 per stage over hand is missed by 1.5 now.
check budget "user Vec stage <= 48, hand + 64 (missed: ceiling 104)" "$(u vec/genpipe)" 104
check budget "user boxed | sum() <= 12 (missed: ceiling 57)" "$(u boxed/genpipe)" 57
check budget "user two yield points and state <= 26 (missed: ceiling 32)" "$(u spread/genpipe)" 32
# Issue 21: the async edges, each pair polled by the same no-op-waker loop; the sync path must
# not move for them.
check target "user chain: the sync path costs exactly what hand does" "$(u chain/genpipe)" "$uh + 0.01"
check target "user a Gen as a Stream within 1.1x futures-lite's iter(hand chain)" "$(u stream/genpipe)" "$(u stream/futures_lite) * 1.1"
check target "user an async body (await + yield) within 0.7x async-stream's stream!" "$(u async/genpipe)" "$(u async/async_stream) * 0.7"

if [ "$PROFILES" = all ]; then
  # Every case at most its default count, and at most the default's distance from the
  # hand-written baseline (which moves between profiles too: 38.5 -> 25.5 for the Vec stage).
  # The in-memory cases (for_heap, boxed, vec), push and spread are reported, not gated:
  # benches/README.md, "Across profiles", says what moves and why.
  for p in cgu1 thin fat; do
    for c in "${probe_cases[@]}"; do
      case $c in */hand|*/closure|stream/futures_lite|async/async_stream) continue ;; esac
      base=${c%%/*}/hand
      case ${c%%/*} in
        push) base=push/closure ;;
        stream) base=stream/futures_lite ;;
        async) base=async/async_stream ;;
      esac
      kind=profile
      # The async pairs are gated in the default profile (the issue's ratios); elsewhere their
      # baselines are other crates, which move with the profile too (async-stream: 68 -> 26
      # with one codegen unit): reported.
      case $c in chain/for_heap|chain/boxed|boxed/*|lines/*|vec/genpipe|push/coro|spread/genpipe|stream/*|async/*) kind=report ;; esac
      check $kind "user $p $c" "${per[user-$p:$c]}" "$(u "$c") + 0.5"
      check $kind "user $p $c over its baseline" \
        "${per[user-$p:$c]} - ${per[user-$p:$base]}" "$(u "$c") - $(u "$base") + 0.5"
    done
  done
fi
exit $fail
