#!/usr/bin/env bash
# loggrep against ripgrep, GNU grep and a Python generator pipeline on one generated access log
# (a literal, a case-insensitive literal, a regex, a rare literal), then the bytes sum against
# Python. Every command of a job runs RUNS times, interleaved, the order rotating each round
# (a batch per command swung 1.5x on this noisy 2-core machine); medians of wall time and of CPU
# time (user + system of the child), as ratios to the job's first command.
#
#   scripts/compare.sh                 # 500 MiB log under $CARGO_TARGET_DIR/compare/
#   MB=100 RUNS=5 scripts/compare.sh
#   JOBS=tree RUNS=5 scripts/compare.sh  # only the tree job (JOBS: any of grep one bytes tree)
#
# The grep job runs loggrep -j1 (the search itself, on one core); the one job runs it -j1 and
# on every core against rg, on the same one file.
#
# The tree job: 200 generated logs of 2 MiB, half of them gzipped, counted with loggrep on
# every core (-j2 here) against rg -c -z on as many threads and against loggrep -j1. Outputs
# are compared sorted (ripgrep prints files in the order its threads finish them).
#
# Needs ripgrep (cargo install ripgrep) for the grep jobs; a missing tool is skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-500}
RUNS=${RUNS:-10}
JOBS=${JOBS:-grep one bytes tree}
CORES=$(nproc)
target=${CARGO_TARGET_DIR:-target}
dir=$target/compare
log=$dir/access-${MB}mb.log
mkdir -p "$dir"
cargo build --quiet --release --features cli --bin loggrep --example make_log --example bytes_sum
bin=$target/release/examples
want() { [[ " $JOBS " == *" $1 "* ]]; }
if want grep || want one || want bytes; then
  [ -f "$log" ] || "$bin/make_log" "$log" "$MB"
fi
have_rg=1
command -v rg >/dev/null || { have_rg=0; echo "note: ripgrep not installed (cargo install ripgrep): grep jobs skipped" >&2; }

# compare JOB NAME CMD [NAME CMD ...]: checks that every command prints the same, then times
# them interleaved and prints medians (wall and CPU) as ratios to the first.
compare() {
  python3 - "$RUNS" "${SIZE:-$MB MiB log}" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs, mb, job = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names, cmds = sys.argv[4::2], sys.argv[5::2]
# ripgrep's -c prints nothing for no match; grep and loggrep print 0.
outs = [subprocess.run(c, shell=True, capture_output=True).stdout or b"0\n" for c in cmds]
for n, o in zip(names, outs):
    if o != outs[0]:
        sys.exit(f"{job}: {n} printed {o[:80]!r}, {names[0]} printed {outs[0][:80]!r}")
wall = {n: [] for n in names}
cpu = {n: [] for n in names}
for r in range(runs + 1):
    order = list(range(len(cmds)))
    order = order[r % len(order):] + order[:r % len(order)]
    for i in order:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        # Into a pipe, not /dev/null: GNU grep stops at the first match when its output is
        # /dev/null, which would time the wrong thing.
        subprocess.run(cmds[i], shell=True, stdout=subprocess.PIPE)
        t = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r == 0:
            continue  # warm-up round
        wall[names[i]].append(t)
        cpu[names[i]].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
base_w, base_c = statistics.median(wall[names[0]]), statistics.median(cpu[names[0]])
print(f"{job}: {mb}, {runs} interleaved runs, medians, ratios to {names[0]}")
print(f"  {'command':<30} {'wall ms':>9} {'x':>6} {'cpu ms':>9} {'x':>6}")
for n in names:
    w, c = statistics.median(wall[n]), statistics.median(cpu[n])
    print(f"  {n:<30} {w*1000:9.1f} {w/base_w:6.2f} {c*1000:9.1f} {c/base_c:6.2f}")
PY
}

lg="$target/release/loggrep"
if want grep && [ $have_rg = 1 ]; then
  compare "count, literal \" 404 \"" \
    "rg -c" "rg -c '\" 404 ' $log" \
    "rg -c --no-mmap" "rg -c --no-mmap '\" 404 ' $log" \
    "loggrep -c --mmap" "$lg -j1 -c --mmap '\" 404 ' $log" \
    "loggrep -c" "$lg -j1 -c '\" 404 ' $log" \
    "GNU grep -c" "grep -c '\" 404 ' $log" \
    "python generators" "python3 scripts/gencount.py '\" 404 ' $log"
  for job in "-i get" "GET./ply.*gz" "-i ply-.*gz" "zzz-absent"; do
    set -- $job
    compare "count, ${job}" \
      "rg -c" "rg -c $* $log" \
      "rg -c --no-mmap" "rg -c --no-mmap $* $log" \
      "loggrep -c --mmap" "$lg -j1 -c --mmap $* $log" \
      "loggrep -c" "$lg -j1 -c $* $log"
  done
fi

# One large file on every core (ripgrep searches a file on one thread): counts, and lines
# printed with numbers and context, whose output must be the same as rg's and -j1's.
if want one && [ $have_rg = 1 ]; then
  for job in "-c '\" 404 '" "-c GET./ply.*gz" "-n '\" 500 '" "-n '\" 404 '" "-n -C2 '\" 500 '"; do
    compare "one file, ${job}" \
      "rg" "rg $job $log" \
      "loggrep -j1" "$lg -j1 $job $log" \
      "loggrep -j$CORES" "$lg -j$CORES $job $log"
  done
fi

if want bytes; then
compare "bytes sum" \
  "genpipe (lazy)" "$bin/bytes_sum $log" \
  "genpipe --eager" "$bin/bytes_sum --eager $log" \
  "python generators" "python3 scripts/bytesum.py $log"

for mode in "" --eager; do
  "$bin/bytes_sum" --stats $mode "$log" 2>&1 >/dev/null
done
fi

if want tree; then
  tree=$dir/tree
  if [ ! -f "$tree/.complete" ]; then
    rm -rf "$tree" && mkdir -p "$tree"
    for i in $(seq -w 0 199); do
      "$bin/make_log" "$tree/access-$i.log" 2 "$i" >/dev/null
      if (( 10#$i % 2 == 1 )); then gzip -1 "$tree/access-$i.log"; fi
    done
    touch "$tree/.complete"
  fi
  if [ $have_rg = 1 ]; then
    SIZE="400 MiB in 200 files" compare "tree: 200 logs of 2 MiB, half gzipped, count \" 404 \"" \
      "loggrep -c -j$CORES" "$lg -c -j$CORES '\" 404 ' $tree | sort" \
      "rg -c -z -j$CORES" "rg -c -z -j$CORES '\" 404 ' $tree | sort" \
      "loggrep -c -j1" "$lg -c -j1 '\" 404 ' $tree | sort"
  fi
fi
