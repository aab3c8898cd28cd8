#!/usr/bin/env bash
# The README's genpipe-timely table: top_hosts over 4 generated logs of 50 MiB, as plain genpipe
# (--single), as timely with one and two worker threads, and as two processes of one worker on
# loopback. Runs interleaved (each round runs every way once), prints each way's median wall
# and CPU seconds and its speed-up per core against -w 1.
#
#   scripts/timely.sh            # 3 rounds, logs in target/timely-logs (made once)
#   ROUNDS=5 scripts/timely.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
logs=target/timely-logs
cargo build -q --release --example make_log --features synth
cargo build -q --release -p genpipe-timely --example top_hosts
if [ ! -f "$logs/4.log" ]; then
  mkdir -p "$logs"
  for s in 1 2 3 4; do target/release/examples/make_log "$logs/$s.log" 50 "$s" >/dev/null; done
fi
cat "$logs"/*.log > /dev/null # into the page cache
exe=target/release/examples/top_hosts
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One run: "wall cpu" on stdout. Two processes: the later end's wall, the sum of their CPU.
run() {
  case $1 in
    single) /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$exe" --single "$logs" > "$tmp/out.single"
            awk '{print $1, $2 + $3}' "$tmp/t" ;;
    w1|w2)  /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$exe" -w "${1#w}" "$logs" > "$tmp/out.$1" 2>/dev/null
            awk '{print $1, $2 + $3}' "$tmp/t" ;;
    n2)     printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$(port)" "$(port)" > "$tmp/hosts"
            /usr/bin/time -f "%e %U %S" -o "$tmp/t1" "$exe" -n 2 -p 1 -h "$tmp/hosts" "$logs" >/dev/null 2>&1 &
            /usr/bin/time -f "%e %U %S" -o "$tmp/t0" "$exe" -n 2 -p 0 -h "$tmp/hosts" "$logs" 2>/dev/null \
              | grep -v -e '^awaiting connections' -e 'error connecting' > "$tmp/out.n2"
            wait
            cat "$tmp/t0" "$tmp/t1" | awk '{w = $1 > w ? $1 : w; c += $2 + $3} END {print w, c}' ;;
  esac
}

ways=(single w1 w2 n2)
for ((r = 1; r <= ROUNDS; r++)); do
  for w in "${ways[@]}"; do run "$w" >> "$tmp/$w.times"; done
done
for w in w1 w2 n2; do
  cmp -s "$tmp/out.single" "$tmp/out.$w" || { echo "$w printed another report than --single" >&2; exit 1; }
done
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
w1=$(cut -d' ' -f1 "$tmp/w1.times" | median)
printf '%-8s %8s %8s %s\n' way wall cpu per-core
for w in "${ways[@]}"; do
  wall=$(cut -d' ' -f1 "$tmp/$w.times" | median)
  cpu=$(cut -d' ' -f2 "$tmp/$w.times" | median)
  case $w in w2|n2) per=$(awk -v a="$w1" -v b="$wall" 'BEGIN {printf "%.2f", a / b / 2}') ;; *) per= ;; esac
  printf '%-8s %8s %8s %s\n' "$w" "$wall" "$cpu" "$per"
done
echo "(every way printed the --single report byte for byte)"
