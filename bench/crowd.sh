#!/usr/bin/env bash
# The crowd rows of docs/performance.md (issue 15): the storm row and the idle row at large N, against
# chatd and the peers, one freshly started server per run, server pinned to SERVER_CPU (default 0),
# chat-bench to BENCH_CPU (default 1), servers alternating within each repetition. Prints one JSON
# line per run (chat-bench's, with "rep" and "server_name" added) on stdout; progress on stderr.
#   bench/crowd.sh [--build DIR] [--reps N] [--servers "chatd inspircd ngircd"] storm|idle N [-- CHATD-FLAGS...]
#   storm N: 10 paced clients at 5 msg/s while N more connect (chatd: all N at once; InspIRCd 1000
#            at a time, ngIRCd 8: as the doc's table).
#   idle N:  N clients connect, register and join one room (chatd 64 at a time).
# Wrap it as the bench rules say:
#   flock /work/.bench.lock setsid bash -c 'echo -10 > /proc/$$/autogroup; exec "$@"' x bench/crowd.sh storm 2000
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build-bench"
reps=3
servers="chatd"
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --servers) servers=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || { echo "usage: $0 [--build DIR] [--reps N] [--servers LIST] storm|idle N [-- CHATD-FLAGS...]" >&2; exit 2; }
kind=$1; n=$2; shift 2
[ "${1:-}" = -- ] && shift
chatd_flags=("$@")
server_cpu=${SERVER_CPU:-0}
bench_cpu=${BENCH_CPU:-1}
bench="$build/bench/chat-bench"
chatd="$build/server/chatd"
[ -x "$bench" ] || { echo "no $bench" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

server_pid=""
state_dir=""
log=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
    [ -n "$state_dir" ] && rm -rf "$state_dir"
    [ -n "$log" ] && rm -f "$log"
    state_dir=""; log=""
}
trap stop_server EXIT

start_server() {
    case "$1" in
        chatd)
            state_dir=$(mktemp -d); log=$(mktemp)
            taskset -c "$server_cpu" "$chatd" --bind 127.0.0.1 --port 0 --plaintext-port 0 --state-dir "$state_dir" \
                --rate 0 --sendq 67108864 --max-clients 12000 --max-per-ip 12000 --no-announce --quiet \
                "${chatd_flags[@]}" > "$log" 2>&1 &
            server_pid=$!
            port=""
            for _ in $(seq 1 100); do
                port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) (plaintext.*$/\1/p' "$log" | head -1)
                [ -n "$port" ] && break
                kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
                sleep 0.1
            done
            [ -n "$port" ] || { echo "chatd printed no listening line" >&2; exit 1; }
            proto=chatd
            if [ "$kind" = storm ]; then concurrency=$n; else concurrency=64; fi ;;
        inspircd) server_pid=$(CPU=$server_cpu "$here/peers/start.sh" inspircd --bg); port=16668; proto=irc; concurrency=1000 ;;
        ngircd)   server_pid=$(CPU=$server_cpu "$here/peers/start.sh" ngircd --bg); port=16667; proto=irc; concurrency=8 ;;
        *) echo "unknown server $1" >&2; exit 2 ;;
    esac
}

case "$kind" in
    storm) work=(--workload storm --clients 10 --storm "$n" --rate 5) ;;
    idle)  work=(--workload idle --clients "$n") ;;
    *) echo "storm or idle" >&2; exit 2 ;;
esac

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for rep in $(seq 1 "$reps"); do
    for srv in $servers; do
        start_server "$srv"
        echo "== rep $rep $kind $n $srv (pid $server_pid) load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        set +e
        line=$(taskset -c "$bench_cpu" "$bench" --proto "$proto" --port "$port" --server-pid "$server_pid" \
            --connect-concurrency "$concurrency" --timeout 120 --setup-timeout 600 "${work[@]}" 2> >(sed 's/^/   /' >&2))
        set -e
        stop_server
        [ -n "$line" ] && printf '%s\n' "$line" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); r["rep"]=int(sys.argv[1]); r["server_name"]=sys.argv[2]; print(json.dumps(r))' "$rep" "$srv"
    done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
