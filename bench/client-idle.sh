#!/usr/bin/env bash
# Client-side goals of the benchmark, on the real full-screen `chat` client in tmux against chatd:
#   1. idle CPU: utime+stime ticks (and schedstat ns) of the client over 10 s of silence; 0 ticks expected;
#   2. a burst of 10 000 room messages from a chat-bench connection: time until the last one is on
#      the screen, and that a key typed during the burst still echoes in the input line (and how fast).
#   bench/client-idle.sh [BUILD_DIR]      (default: build-bench beside this script)
# Prints a summary on stderr and one JSON object on stdout; exits 1 if a goal is missed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build-bench}
chatd="$build/server/chatd"
chat="$build/client/chat"
bench="$build/bench/chat-bench"
idle_secs=${IDLE_SECS:-10}
burst=${BURST:-10000}
for bin in "$chatd" "$chat" "$bench"; do
    [ -x "$bin" ] || { echo "client-idle: $bin is not built" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/client-idle.XXXXXX")
# No user config, and the client's logs (on by default) inside the work dir.
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
sock="client-idle-$$"
chatd_pid=""
bench_pid=""
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
    [ -n "$bench_pid" ] && { kill "$bench_pid" 2>/dev/null; wait "$bench_pid" 2>/dev/null; }
    [ -n "$chatd_pid" ] && { kill "$chatd_pid" 2>/dev/null; wait "$chatd_pid" 2>/dev/null; }
    tmx kill-server 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "client-idle: FAIL: $*" >&2; exit 1; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds or the deadline passes.
wait_for() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -ge $deadline ] && fail "after ${limit}s: $what"
        sleep 0.02
    done
}
now_ms() { date +%s%3N; }
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }   # utime + stime
sched_ns() { local s=0 v; for f in /proc/"$1"/task/*/schedstat; do read -r v _ < "$f"; s=$((s + v)); done; echo "$s"; }

"$chatd" --bind 127.0.0.1 --port 0 --rate 0 --sendq 67108864 --quiet > "$work/chatd.out" 2>&1 &
chatd_pid=$!
wait_for 10 "chatd printed its port" grep -qs '^listening on 127.0.0.1:' "$work/chatd.out"
port=$(grep -m1 '^listening on 127.0.0.1:' "$work/chatd.out" | sed 's/.*://')

# exec: the pane's process is the client itself, so its pid is the pane pid.
LANG=C.UTF-8 tmx new-session -d -s idle -x 100 -y 30 \
    "exec env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $chat 127.0.0.1:$port watcher"
client_pid=$(tmx display-message -p -t idle '#{pane_pid}')
screen() { tmx capture-pane -p -t idle; }
screen_has() { screen | grep -qF -- "$1"; }
wait_for 10 "the client showed 'you joined #lobby'" screen_has "you joined #lobby"

# 1. Idle: nothing arrives, nothing is typed. Sleeping is the measurement here, not a wait.
t0=$(ticks "$client_pid"); s0=$(sched_ns "$client_pid")
sleep "$idle_secs"
t1=$(ticks "$client_pid"); s1=$(sched_ns "$client_pid")
idle_ticks=$((t1 - t0))
idle_us=$(( (s1 - s0) / 1000 ))
echo "client idle ${idle_secs}s: ${idle_ticks} ticks (utime+stime), ${idle_us} us on CPU (schedstat)" >&2

# 2. Burst: one bench connection says $burst messages in #lobby as fast as chatd takes them.
last="cbm 0 $((burst - 1)) "
c0=$(ticks "$client_pid")
"$bench" --port "$port" --room '#lobby' --clients 2 --senders 1 --messages "$burst" --size 60 \
    --timeout 60 > "$work/bench.json" 2> "$work/bench.err" &
bench_pid=$!
wait_for 30 "the first burst message reached the screen" screen_has "cbm 0 "
first_at=$(now_ms)
# Type while the burst is being drawn; then watch one screen capture at a time for both the echo
# of the key and the last message, so their order is known.
tmx send-keys -t idle -l "zq7"
key_at=$(now_ms)
key_echo_at=""
last_at=""
deadline=$((SECONDS + 60))
while [ -z "$key_echo_at" ] || [ -z "$last_at" ]; do
    [ $SECONDS -ge $deadline ] && fail "after 60s: key echoed at '${key_echo_at}', last message at '${last_at}'"
    shot=$(screen)
    t=$(now_ms)
    [ -z "$key_echo_at" ] && grep -qF -- "zq7" <<<"$shot" && key_echo_at=$t
    [ -z "$last_at" ] && grep -qF -- "$last" <<<"$shot" && last_at=$t
    sleep 0.01
done
key_ms=$((key_echo_at - key_at))
draw_ms=$((last_at - first_at))
during=$([ "$key_echo_at" -lt "$last_at" ] && echo true || echo false)
c1=$(ticks "$client_pid")
wait "$bench_pid"; bench_status=$?; bench_pid=""
[ $bench_status -eq 0 ] || { cat "$work/bench.err" >&2; fail "chat-bench reported a failed burst"; }
tmx send-keys -t idle C-u

echo "burst of $burst: last message on screen ${draw_ms} ms after the first;" \
     "a key typed after the first echoed in ${key_ms} ms (before the last was drawn: $during);" \
     "client CPU for the burst $(( (c1 - c0) * 10 )) ms" >&2
printf '{"idle_secs":%s,"idle_ticks":%s,"idle_cpu_us":%s,"burst":%s,"draw_ms":%s,"key_echo_ms":%s,"key_echoed_during_burst":%s,"burst_cpu_ms":%s}\n' \
    "$idle_secs" "$idle_ticks" "$idle_us" "$burst" "$draw_ms" "$key_ms" "$during" $(( (c1 - c0) * 10 ))
[ "$idle_ticks" -eq 0 ] || fail "the idle client used $idle_ticks ticks of CPU in ${idle_secs}s"
[ "$key_ms" -le 1000 ] || fail "a key typed during the burst took ${key_ms} ms to echo"
echo "client-idle: OK" >&2
