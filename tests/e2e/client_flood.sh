#!/usr/bin/env bash
# The client runs exactly two threads. A burst of 10 000 room messages does not freeze the client: typed keys still echo during the
# flood, the last message arrives, and afterwards the idle client uses (almost) no CPU.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd 0 --rate 0 --sendq 16777216
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"
PID=$(client_pid alice)
[ -n "$PID" ] || fail "no pid for alice's client"

# Two threads: the UI and the network thread, nothing else.
threads=$(ls "/proc/$PID/task" | wc -l)
[ "$threads" = 2 ] || fail "the client runs $threads threads, not 2"

# Idle: nothing happens, so the client must not wake up.
before=$(cpu_ticks "$PID")
sleep 2  # a measuring window, not a wait for something to happen
idle=$(( $(cpu_ticks "$PID") - before ))
[ "$idle" -le 2 ] || fail "idle client used $idle CPU ticks in 2 s"

raw_connect flood
expect_screen alice "flood joined"
for i in $(seq 1 10000); do
    printf '{"type":"say","room":"#lobby","text":"flood message %d of 10000 with some padding to make it longer"}\n' "$i"
done > "$WORK/flood.txt"
cat "$WORK/flood.txt" >&3 &
FLOODER=$!
tmx send-keys -t "=e2e:alice" -l "typed during the flood"
expect_screen alice "#lobby> typed during the flood" 10
expect_screen alice "flood message 10000 of 10000" 30
wait $FLOODER
tmx send-keys -t "=e2e:alice" Enter
expect_screen alice "<alice> typed during the flood" 10
kill "$RAW_READER" 2>/dev/null
exec 3>&-

# Scrollback is capped, so memory stays bounded after the flood.
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$PID/status")
[ "$rss" -lt 200000 ] || fail "client RSS is $rss KiB after the flood"

before=$(cpu_ticks "$PID")
sleep 2  # a measuring window, not a wait for something to happen
idle=$(( $(cpu_ticks "$PID") - before ))
[ "$idle" -le 2 ] || fail "client used $idle CPU ticks in 2 idle seconds after the flood"
echo "PASS client_flood"
