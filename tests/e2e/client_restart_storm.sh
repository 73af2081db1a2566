#!/usr/bin/env bash
# Fifty clients ride out a crash and a restart of chatd: each notices, retries by itself with backoff
# and jitter, and all are back within seconds, each under its own nick, with nobody refused; then
# they talk as before and end cleanly on end of input.
set -u
source "$(dirname "$0")/client_helpers.bash"

N=50
start_chatd 0 --max-per-ip 100
FDS=()
for i in $(seq 1 $N); do
    mkfifo "$WORK/in.$i"
    # Each client first closes the write ends of the others' inputs, or none would ever see an end.
    (
        for f in "${FDS[@]}"; do exec {f}>&-; done
        exec "$CHAT" --plain --backoff-max 2 "127.0.0.1:$PORT" "u$i"
    ) < "$WORK/in.$i" > "$WORK/out.$i" 2>&1 &
    BACKGROUND_PIDS+=($!)
    exec {fd}> "$WORK/in.$i"  # held open: no client sees the end of its input until the end
    FDS+=("$fd")
done

# all_printed TEXT: every client's output has a line containing TEXT.
all_printed() {
    local i
    for i in $(seq 1 $N); do grep -qF -- "$1" "$WORK/out.$i" || return 1; done
}
wait_until 30 "not every client joined #lobby" all_printed "you joined #lobby"

kill -KILL "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
CHATD_PID=""
wait_until 10 "not every client noticed the crash" all_printed "disconnected"

# The new chatd must not inherit the write ends of the clients' inputs either.
: > "$WORK/chatd.log"
(
    for f in "${FDS[@]}"; do exec {f}>&-; done
    exec "$CHATD" --bind 127.0.0.1 --port "$PORT" --max-per-ip 100
) > "$WORK/chatd.log" 2>&1 &
CHATD_PID=$!
wait_until 10 "chatd did not start again on port $PORT" grep -q '^listening on ' "$WORK/chatd.log"
wait_until 20 "not every client reconnected" all_printed "reconnected to"
hellos=$(grep -c ' hello .* as u[0-9]*$' "$WORK/chatd.log")
[ "$hellos" = $N ] || fail "the restarted chatd registered $hellos clients under their own nicks, not $N"
grep -q "limit:" "$WORK/chatd.log" && fail "chatd hit a limit during the storm: $(grep "limit:" "$WORK/chatd.log" | head -3)"

echo "after the storm" >&"${FDS[0]}"
wait_until 10 "not every client got the message sent after the restart" all_printed "<u1> after the storm"

for fd in "${FDS[@]}"; do exec {fd}>&-; done
none_running() {
    local pid
    for pid in "${BACKGROUND_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && return 1; done
    return 0
}
wait_until 15 "not every client exited after the end of its input" none_running
for pid in "${BACKGROUND_PIDS[@]}"; do
    wait "$pid"
    status=$?
    [ $status = 0 ] || fail "a client exited with $status on end of input"
done
BACKGROUND_PIDS=()
echo "PASS client_restart_storm"
