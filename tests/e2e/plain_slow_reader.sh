#!/usr/bin/env bash
# A line-mode reader whose stdout is blocked (a script busy elsewhere) loses nothing: its network
# thread stops reading the socket while its event queue is full, so the server's send queue holds
# the rest, instead of the client skipping messages. 20 000 lines arrive while the reader's stdout
# is blocked; once drained, every one is there, in order, and no "events skipped" marker.
set -u
source "$(dirname "$0")/client_helpers.bash"

LINES_SENT=20000
# The server holds what the blocked reader has not read yet (about 2.6 MB of frames here).
start_chatd 0 --rate 0 --sendq 16777216

mkfifo "$WORK/reader.in" "$WORK/go"
# The reader's stdout is a pipe nobody reads until "go": once the pipe is full, chat blocks writing.
"$CHAT" --plain "127.0.0.1:$PORT" reader < "$WORK/reader.in" |
    { read -r _ < "$WORK/go"; exec cat > "$WORK/reader.out"; } &
READER_PIPE=$!
BACKGROUND_PIDS+=("$READER_PIPE")
exec 7> "$WORK/reader.in"
wait_until 10 "the reader never registered" grep -q ' hello .* as reader$' "$WORK/chatd.log"
READER=$(pgrep -f -n -- "--plain 127.0.0.1:$PORT reader")
[ -n "$READER" ] && BACKGROUND_PIDS+=("$READER")

seq 1 "$LINES_SENT" | sed 's/^/piped line /' |
    "$CHAT" --plain "127.0.0.1:$PORT" feeder > "$WORK/feeder.out" 2> "$WORK/feeder.err" 7>&-
status=$?
[ $status = 0 ] || fail "the feeder exited with $status: $(cat "$WORK/feeder.err")"
grep -q "you joined #lobby with reader" "$WORK/feeder.out" || fail "the reader was not in #lobby when the feeder came"
# Every line was echoed to the feeder, so the server has sent (or queued) all of them to the reader,
# which has read at most its queue's worth: the rest waits at the server, not dropped.
grep -q "send queue exceeded" "$WORK/chatd.log" && fail "the server cut the reader off: $(grep "send queue" "$WORK/chatd.log" | head -2)"

echo go > "$WORK/go"  # the script reads again
wait_until 30 "the reader never printed the feeder's quit" grep -q -- "-- feeder quit" "$WORK/reader.out"
grep -q "events skipped" "$WORK/reader.out" && fail "the reader skipped events: $(grep "events skipped" "$WORK/reader.out")"
grep -oE '#lobby <feeder> piped line [0-9]+$' "$WORK/reader.out" | sed 's/.* //' > "$WORK/got.txt"
got=$(wc -l < "$WORK/got.txt")
seq 1 "$LINES_SENT" | cmp -s - "$WORK/got.txt" ||
    fail "the reader got $got lines, not 1..$LINES_SENT in order (first difference: $(seq 1 "$LINES_SENT" | cmp - "$WORK/got.txt" 2>&1))"
exec 7>&-
wait_until 10 "the reader exited on EOF" bash -c "! kill -0 $READER_PIPE 2>/dev/null"
echo "PASS plain_slow_reader ($got lines in order after the reader's stdout was blocked)"
