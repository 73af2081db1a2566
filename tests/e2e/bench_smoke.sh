#!/usr/bin/env bash
# Smoke test of chat-bench against a real chatd: a small fan-out, idle and storm run on the plaintext
# port, and a fan-out, idle and handshake run over TLS on the main port, must finish with every
# delivery counted and no connection lost. Speed is not asserted.
#   bash tests/e2e/bench_smoke.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: bench_smoke.sh BUILD_DIR}
chatd="$build/server/chatd"
bench="$build/bench/chat-bench"
for bin in "$chatd" "$bench"; do
    [ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }
done

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

: > "$work/chatd.out"   # exists before the first read, whenever the child opens it
# chat-bench speaks plaintext: it uses the --plaintext-port listener.
"$chatd" --bind 127.0.0.1 --port 0 --plaintext-port 0 --state-dir "$work/state" --rate 0 --sendq 16777216 --max-clients 200 --max-per-ip 200 --quiet \
    > "$work/chatd.out" 2>&1 &
pid=$!

port=""
tls_port=""
deadline=$((SECONDS + 10))
while [ -z "$port" ] || [ -z "$tls_port" ]; do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\) (plaintext.*$/\1/p' "$work/chatd.out" | head -1)
    tls_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/chatd.out" | head -1)
    [ -n "$port" ] && [ -n "$tls_port" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then echo "FAIL: chatd exited at start:"; cat "$work/chatd.out"; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then echo "FAIL: chatd printed no 'listening on' line in 10 s"; exit 1; fi
    sleep 0.05
done

# Reads one top-level scalar field of the JSON result (chat-bench prints it compact, one line).
field() {
    { grep -o '[{,]"'"$2"'":[^,}]*' "$1" || true; } | head -1 | sed 's/^.*"://'
}

status=0
check() {  # check NAME FILE FIELD EXPECTED
    local got
    got=$(field "$2" "$3")
    if [ -z "$got" ]; then echo "FAIL: $1: no $3 in the JSON result"; status=1; return; fi
    if [ "$got" != "$4" ]; then echo "FAIL: $1: $3 is $got, expected $4"; status=1; else echo "ok: $1: $3 = $got"; fi
}

timeout 60 "$bench" --port "$port" --server-pid "$pid" --workload fanout --clients 20 --senders 4 --messages 200 \
    --timeout 30 --setup-timeout 20 > "$work/fanout.json" || true
check fanout "$work/fanout.json" losses 0
check fanout "$work/fanout.json" lost_connections 0
check fanout "$work/fanout.json" deliveries_received 16000   # 4 senders x 200 x 20 members (echo included)
check fanout "$work/fanout.json" deliveries_to_others 15200  # 4 x 200 x 19
check fanout "$work/fanout.json" ok true

timeout 60 "$bench" --port "$port" --server-pid "$pid" --workload fanout --clients 2 --senders 1 --messages 500 \
    --window 8 --timeout 30 --setup-timeout 20 > "$work/window.json" || true
check window "$work/window.json" losses 0
check window "$work/window.json" deliveries_to_others 500
check window "$work/window.json" ok true

timeout 60 "$bench" --port "$port" --server-pid "$pid" --workload idle --clients 50 --setup-timeout 20 \
    > "$work/idle.json" || true
check idle "$work/idle.json" lost_connections 0
check idle "$work/idle.json" connections 50
check idle "$work/idle.json" ok true

# 3 paced clients talk while 60 more join their room: everything sent arrives, nobody is lost.
timeout 60 "$bench" --port "$port" --server-pid "$pid" --workload storm --clients 3 --storm 60 --rate 20 \
    --connect-concurrency 60 --timeout 20 --setup-timeout 20 > "$work/storm.json" || true
check storm "$work/storm.json" losses 0
check storm "$work/storm.json" lost_connections 0
check storm "$work/storm.json" storm_clients 60
check storm "$work/storm.json" ok true

# The same over TLS on the main port: chat-bench's OpenSSL client against chatd's TLS listener.
timeout 60 "$bench" --tls --port "$tls_port" --server-pid "$pid" --workload fanout --clients 20 --senders 4 --messages 200 \
    --timeout 30 --setup-timeout 20 > "$work/tls-fanout.json" || true
check tls-fanout "$work/tls-fanout.json" losses 0
check tls-fanout "$work/tls-fanout.json" lost_connections 0
check tls-fanout "$work/tls-fanout.json" deliveries_to_others 15200
check tls-fanout "$work/tls-fanout.json" ok true
if ! grep -q '"version":"TLSv1.3"' "$work/tls-fanout.json"; then
    echo "FAIL: tls-fanout: the result does not say TLSv1.3 was negotiated"; status=1
else
    echo "ok: tls-fanout: TLSv1.3"
fi

timeout 60 "$bench" --tls --port "$tls_port" --server-pid "$pid" --workload idle --clients 50 --setup-timeout 20 \
    > "$work/tls-idle.json" || true
check tls-idle "$work/tls-idle.json" lost_connections 0
check tls-idle "$work/tls-idle.json" connections 50
check tls-idle "$work/tls-idle.json" ok true

timeout 60 "$bench" --tls --port "$tls_port" --server-pid "$pid" --workload handshake --clients 100 \
    --connect-concurrency 8 --setup-timeout 20 > "$work/tls-handshake.json" || true
check tls-handshake "$work/tls-handshake.json" handshakes 100
check tls-handshake "$work/tls-handshake.json" lost_connections 0
check tls-handshake "$work/tls-handshake.json" ok true

# TLS spoken to the plaintext port fails the run with a clear error instead of hanging.
timeout 30 "$bench" --tls --port "$port" --workload handshake --clients 1 --setup-timeout 10 \
    > "$work/tls-wrong-port.json" || true
check tls-wrong-port "$work/tls-wrong-port.json" ok false
if ! grep -q '"error":"client 0: TLS handshake' "$work/tls-wrong-port.json"; then
    echo "FAIL: tls-wrong-port: no TLS handshake error in the result"; status=1
else
    echo "ok: tls-wrong-port: says the TLS handshake failed"
fi

if [ $status -eq 0 ]; then echo "bench_smoke: 28 passed, 0 failed"; fi
exit $status
