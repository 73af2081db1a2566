#!/usr/bin/env bash
# Runs the standard benchmark matrix against chatd, ngIRCd and InspIRCd and prints a side-by-side
# table of medians. Each run gets a freshly started server pinned to one core (SERVER_CPU, default 0)
# and chat-bench pinned to the other (BENCH_CPU, default 1), so CPU time and peak memory belong to
# that run alone. Rows m* speak plaintext (chatd's --plaintext-port); rows t* speak TLS 1.3 (chatd's
# main port, the peers' TLS listeners from bench/peers/*-tls.conf; not in the default list).
#   bench/run-matrix.sh [--build DIR] [--reps N] [--servers "chatd ngircd inspircd"]
#                       [--only "m1 m2 ..."] [--out DIR]
#   --servers may also name chatd-nostore: chatd with --no-store (the peers keep no history).
#   --only "t1 t2 t3w t5 th" runs the TLS rows (fan-out, one-to-one windowed, idle C=1000, handshakes).
#   t1a is T1 with the client offering only TLS_AES_128_GCM_SHA256, so every server uses that suite.
# Results: one JSON line per run in OUT/results.jsonl, the table in OUT/table.md (and on stdout).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build-bench"
reps=3
servers="chatd ngircd inspircd"
only="m1 m2 m3 m3w m4 m5"
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --servers) servers=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--build DIR] [--reps N] [--servers LIST] [--only LIST] [--out DIR]" >&2; exit 2 ;;
    esac
done
out=${out:-$build/bench-results}
mkdir -p "$out"
: > "$out/results.jsonl"
server_cpu=${SERVER_CPU:-0}
bench_cpu=${BENCH_CPU:-1}
bench="$build/bench/chat-bench"
chatd="$build/server/chatd"
[ -x "$bench" ] || { echo "no $bench: build it with ninja -C $build chat-bench" >&2; exit 1; }

# Idle C=2000 needs 2000+ descriptors in the server and in chat-bench.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The matrix: id, then chat-bench arguments.
declare -A work=(
    [m1]="--workload fanout --clients 100 --senders 10 --messages 1000"
    [m2]="--workload fanout --clients 500 --senders 5 --messages 200"
    [m3]="--workload fanout --clients 2 --senders 1 --messages 20000"
    [m3w]="--workload fanout --clients 2 --senders 1 --messages 20000 --window 64"
    [m4]="--workload fanout --clients 100 --senders 10 --messages 500 --rate 100"
    [m5]="--workload idle --clients 2000"
    [m6]="--workload idle --clients 1000"
    [t1]="--tls --workload fanout --clients 100 --senders 10 --messages 1000"
    [t1a]="--tls --tls-ciphers TLS_AES_128_GCM_SHA256 --workload fanout --clients 100 --senders 10 --messages 1000"
    [t2]="--tls --workload fanout --clients 500 --senders 5 --messages 200"
    [t3w]="--tls --workload fanout --clients 2 --senders 1 --messages 20000 --window 64"
    [t5]="--tls --workload idle --clients 1000"
    [th]="--tls --workload handshake --clients 2000"
)

server_pid=""
server_log=""
state_dir=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
    if [ -n "$state_dir" ]; then rm -rf "$state_dir"; state_dir=""; fi
}
trap stop_server EXIT

# Starts one server (TLS listener when $2 is "tls"); sets server_pid, port, proto and the set-up
# concurrency it tolerates.
start_server() {
    local tls=${2:-plain}
    case "$1" in
        chatd|chatd-nostore)
            local store=()
            # chatd-nostore: the same relay without its message store (--no-store), which the IRC
            # peers do not have; the default keeps every message in SQLite, one commit per turn.
            [ "$1" = chatd-nostore ] && store=(--no-store)
            [ -x "$chatd" ] || { echo "no $chatd: build it with ninja -C $build chatd" >&2; exit 1; }
            server_log="$out/chatd.stdout"
            # Emptied here, not by the background redirection, which may run after the first read.
            : > "$server_log"
            # Flood limit off, queues and connection caps above anything the matrix needs; a fresh
            # state dir (a new key, an empty store) per run; TLS on the main port, and a plaintext one.
            state_dir=$(mktemp -d)
            taskset -c "$server_cpu" "$chatd" --bind 127.0.0.1 --port 0 --plaintext-port 0 --state-dir "$state_dir" \
                --rate 0 --sendq 67108864 --max-clients 5000 --max-per-ip 5000 --quiet "${store[@]}" > "$server_log" 2>&1 &
            server_pid=$!
            port=""
            local pattern='s/^listening on 127\.0\.0\.1:\([0-9]*\) (plaintext.*$/\1/p'
            [ "$tls" = tls ] && pattern='s/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p'
            for _ in $(seq 1 100); do
                port=$(sed -n "$pattern" "$server_log" | head -1)
                [ -n "$port" ] && break
                kill -0 "$server_pid" 2>/dev/null || { cat "$server_log" >&2; exit 1; }
                sleep 0.1
            done
            [ -n "$port" ] || { echo "chatd printed no listening line" >&2; exit 1; }
            proto=chatd; concurrency=64 ;;
        ngircd)
            if [ "$tls" = tls ]; then
                server_pid=$(CPU=$server_cpu "$here/peers/start.sh" ngircd --bg --tls); port=16697
            else
                server_pid=$(CPU=$server_cpu "$here/peers/start.sh" ngircd --bg); port=16667
            fi
            proto=irc; concurrency=8 ;;        # accept backlog of 10
        inspircd)
            if [ "$tls" = tls ]; then
                server_pid=$(CPU=$server_cpu "$here/peers/start.sh" inspircd --bg --tls); port=16698
            else
                server_pid=$(CPU=$server_cpu "$here/peers/start.sh" inspircd --bg); port=16668
            fi
            proto=irc; concurrency=1000 ;;     # registers once per second: open many at once
    esac
}

for rep in $(seq 1 "$reps"); do
    for id in $only; do
        for srv in $servers; do
            case "$id" in t*) start_server "$srv" tls ;; *) start_server "$srv" ;; esac
            # Handshakes: the same 8 at once for every server (ngIRCd's accept backlog bounds it).
            [ "$id" = th ] && concurrency=8
            echo "== rep $rep $id $srv (pid $server_pid, port $port)" >&2
            set +e
            line=$(taskset -c "$bench_cpu" "$bench" --proto "$proto" --port "$port" --server-pid "$server_pid" \
                --connect-concurrency "$concurrency" --label "$srv" --timeout 120 --setup-timeout 240 \
                ${work[$id]} 2> >(sed 's/^/   /' >&2))
            set -e
            stop_server
            if [ -n "$line" ]; then
                printf '%s\n' "$line" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); r["id"]=sys.argv[1]; r["rep"]=int(sys.argv[2]); print(json.dumps(r))' "$id" "$rep" >> "$out/results.jsonl"
            fi
        done
    done
done

python3 "$here/matrix_table.py" "$out/results.jsonl" | tee "$out/table.md"
