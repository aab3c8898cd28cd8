#!/usr/bin/env bash
# Echo servers side by side, each in a process of its own, driven by one client program in
# another (examples/echo_client.rs): genpipe's stackless tasks, genpipe's green tasks, a thread
# per connection, tokio current_thread and multi-thread (scripts/echo-baselines, a crate of its
# own), and gevent's StreamServer (from PyPI, in a scratch venv). Loopback only; every client
# read times out after 20 s and every run after 120 s.
#
#   scripts/echo_compare.sh
#   CLIENTS=100 MESSAGES=200 RUNS=5 IDLE=10000 scripts/echo_compare.sh
#
# Rounds: each server in turn (the order rotating each round) serves CLIENTS clients of
# MESSAGES 64-byte round trips; medians over RUNS rounds of round trips/s, p50, p99, p99.9,
# the slowest client's time over the fastest's, and the server's resident memory per
# connection. Then, once per server: poller system calls per round trip (strace -c on the
# server) and resident memory per idle connection with IDLE connections open. On a machine of
# 2 or more CPUs the server runs on CPU 0 and the client on CPU 1 (taskset), except tokio's
# multi-thread runtime, which gets every CPU (said in the table).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-100}
MESSAGES=${MESSAGES:-200}
RUNS=${RUNS:-5}
IDLE=${IDLE:-10000}
target=${CARGO_TARGET_DIR:-target}
out=$target/echo-compare
mkdir -p "$out"

cargo build --quiet --release --features full --example echo_server --example echo_client
server_bin=$target/release/examples/echo_server
client_bin=$target/release/examples/echo_client
names=(genpipe-tasks genpipe-green threads)
declare -A cmds=(
  [genpipe-tasks]="$server_bin 0"
  [genpipe-green]="$server_bin 0 --green"
  [threads]="$server_bin 0 --threads"
)
if cargo build --quiet --release --manifest-path scripts/echo-baselines/Cargo.toml \
     --target-dir "$target/echo-baselines"; then
  cmds[tokio-current]="$target/echo-baselines/release/echo-baselines current 0"
  cmds[tokio-multi]="$target/echo-baselines/release/echo-baselines multi 0"
  names+=(tokio-current tokio-multi)
else
  echo "note: the tokio baselines did not build (no network?): left out" >&2
fi
venv=$target/gevent-venv
if [ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q gevent; }; then
  cmds[gevent]="$venv/bin/python scripts/gevent_echo.py 0"
  names+=(gevent)
else
  echo "note: gevent could not be installed in a venv: left out" >&2
fi

pin_server=() pin_client=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  pin_server=(taskset -c 0) pin_client=(taskset -c 1)
fi

# start NAME: starts the server, sets $pid and $addr.
start() {
  local name=$1 log=$out/$1.server.log pin=("${pin_server[@]}")
  [ "$name" = tokio-multi ] && pin=()
  # shellcheck disable=SC2086
  "${pin[@]}" ${cmds[$name]} >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    addr=$(sed -n 's/^echo server on \([0-9.:]*\).*/\1/p' "$log" | head -1)
    [ -n "$addr" ] && return 0
    sleep 0.05
  done
  echo "$name did not start: $(cat "$log")" >&2
  return 1
}

stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

results=$out/results.txt
: >"$results"
for round in $(seq "$RUNS"); do
  n=${#names[@]}
  for i in $(seq 0 $((n - 1))); do
    name=${names[$(((i + round) % n))]}
    start "$name"
    line=$(timeout 120 "${pin_client[@]}" "$client_bin" "$addr" "$CLIENTS" "$MESSAGES" "$pid") \
      || line="failed=1"
    stop
    echo "$name $line" >>"$results"
  done
done

# Poller calls per round trip: one more run of each server under strace.
if command -v strace >/dev/null; then
  for name in "${names[@]}"; do
    trace=$out/$name.strace
    # shellcheck disable=SC2086
    strace -f -c -o "$trace" -e trace=epoll_wait,epoll_pwait,epoll_pwait2,epoll_ctl \
      ${cmds[$name]} >"$out/$name.server.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      addr=$(sed -n 's/^echo server on \([0-9.:]*\).*/\1/p' "$out/$name.server.log" | head -1)
      [ -n "$addr" ] && break
      sleep 0.05
    done
    timeout 120 "$client_bin" "$addr" "$CLIENTS" "$MESSAGES" >/dev/null || true
    # The server is strace's child: stopping it ends strace, which writes its counts.
    pkill -TERM -P "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    calls=$(awk '$NF ~ /^epoll/ { s += $4 } END { print s + 0 }' "$trace")
    echo "$name epoll_per_round_trip=$(python3 -c "print(f'{$calls / ($CLIENTS * $MESSAGES):.2f}')")" >>"$results"
  done
fi

# Memory per idle connection, IDLE connections open.
for name in "${names[@]}"; do
  start "$name"
  line=$(timeout 300 "$client_bin" "$addr" "$IDLE" --idle "$pid" 2>&1 | tail -1) || line="idle_failed=1"
  stop
  echo "$name idle_${line// / idle_}" >>"$results"
done

python3 - "$results" "$CLIENTS" "$MESSAGES" "$RUNS" "$IDLE" <<'PY'
import statistics, sys
path, clients, messages, runs, idle = sys.argv[1:]
rows = {}
for line in open(path):
    name, *pairs = line.split()
    row = rows.setdefault(name, {})
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            row.setdefault(key, []).append(float(value))
        except ValueError:
            pass
print(f"{clients} clients x {messages} round trips of 64 bytes, medians of {runs} rounds; "
      f"idle memory at {idle} connections")
cols = [("round_trips_per_s", "round trips/s", "{:.0f}"), ("p50_us", "p50 µs", "{:.0f}"),
        ("p99_us", "p99 µs", "{:.0f}"), ("p999_us", "p99.9 µs", "{:.0f}"),
        ("slowest_over_fastest", "slowest/fastest", "{:.2f}"),
        ("rss_per_conn_kib", "RSS/conn KiB (100)", "{:.1f}"),
        ("idle_rss_per_conn_kib", f"RSS/idle conn KiB", "{:.1f}"),
        ("epoll_per_round_trip", "epoll calls/round trip", "{:.2f}")]
print("| server | " + " | ".join(c[1] for c in cols) + " |")
print("|---|" + "---:|" * len(cols))
for name, row in rows.items():
    cells = []
    for key, _, fmt in cols:
        values = row.get(key)
        cells.append(fmt.format(statistics.median(values)) if values else "")
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
