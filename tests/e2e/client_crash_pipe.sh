#!/usr/bin/env bash
# chatd dies (kill -9) while a script pipes lines through `chat --plain`, and comes back on the same
# state dir (its SQLite store keeps the instance and the history). Lines sent but not answered when
# the connection died are neither lost nor doubled: after the reconnect, the replay of what the
# feeder missed shows which the server stored, and only the others are sent again. Every piped line
# arrives exactly once, in order, at a line-mode reader, and the feeder exits 0.
# With CRASH_PIPE_PM=1 (client_crash_pipe_pm.sh) the lines are private messages to the reader: the
# feeder settles them by the newest page of the conversation, and the reader catches up on it.
set -u
source "$(dirname "$0")/client_helpers.bash"

if [ "${CRASH_PIPE_PM:-0}" = 1 ]; then
    SAY="/msg reader "
    HEARD='\[pm( offline)?\] <feeder -> reader> piped line'
    NAME=client_crash_pipe_pm
else
    SAY=""
    HEARD='#lobby <feeder> piped line'
    NAME=client_crash_pipe
fi

LINES_SENT=600
# Replays long enough for the whole outage: the reader's rejoin of #lobby replays the last --history.
FLAGS=(--rate 100 --burst 20 --history 2000)
start_chatd 0 "${FLAGS[@]}"
mkfifo "$WORK/reader.in"
"$CHAT" --plain --backoff-max 1 "127.0.0.1:$PORT" reader < "$WORK/reader.in" > "$WORK/reader.out" 2>&1 &
READER=$!
BACKGROUND_PIDS+=("$READER")
exec 7> "$WORK/reader.in"
wait_until 10 "the reader joined #lobby" grep -q "you joined #lobby" "$WORK/reader.out"

seq 1 "$LINES_SENT" | sed "s|^|${SAY}piped line |" |
    "$CHAT" --plain --backoff-max 1 "127.0.0.1:$PORT" feeder > "$WORK/feeder.out" 2> "$WORK/feeder.err" 7>&- &
FEEDER=$!
BACKGROUND_PIDS+=("$FEEDER")

# Mid-pipe, chatd stops reading: the feeder's next lines (up to burst/2 unanswered) wait unread in
# its socket when it dies, and must be sent again.
wait_until 30 "the reader never saw line 150" grep -qE "<feeder( -> reader)?> piped line 150\$" "$WORK/reader.out"
kill -STOP "$CHATD_PID"
unread() {  # bytes chatd has not read on its port, over all its connections
    ss -Htn state established "( sport = :$PORT )" | awk '{ n += $1 } END { print n + 0 }'
}
unread_at_least() { [ "$(unread)" -ge "$1" ]; }
wait_until 10 "the feeder's lines never piled up unread at the stopped chatd" unread_at_least 300
echo "unread at chatd when it dies: $(unread) bytes"
kill -KILL "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
CHATD_PID=""
wait_until 10 "the feeder never noticed the crash" grep -q "disconnected" "$WORK/feeder.out"
start_chatd "$PORT" "${FLAGS[@]}" 7>&-  # the reader's input must not stay open in chatd

deadline=$((SECONDS + 60))
while kill -0 "$FEEDER" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && fail "the feeder did not finish in 60 s after the restart"
    sleep 0.1  # polling for the feeder's exit
done
wait "$FEEDER"
status=$?
[ $status = 0 ] || fail "the feeder exited with $status: $(cat "$WORK/feeder.err")"
[ ! -s "$WORK/feeder.err" ] || fail "the feeder complained: $(cat "$WORK/feeder.err")"

wait_until 20 "the reader saw the feeder quit" grep -q -- "-- feeder quit" "$WORK/reader.out"
grep -oE "${HEARD} [0-9]+\$" "$WORK/reader.out" | sed 's/.* //' > "$WORK/got.txt"
got=$(wc -l < "$WORK/got.txt")
dups=$(sort -n "$WORK/got.txt" | uniq -d | head -5 | tr '\n' ' ')
[ -z "$dups" ] || fail "the reader got lines more than once: $dups"
seq 1 "$LINES_SENT" | cmp -s - "$WORK/got.txt" ||
    fail "the reader got $got lines, not 1..$LINES_SENT in order (first difference: $(seq 1 "$LINES_SENT" | cmp - "$WORK/got.txt" 2>&1))"
again=$(grep -oE 'sending [0-9]+ lines? again' "$WORK/feeder.out" | head -1)
[ -n "$again" ] || fail "the feeder sent nothing again, though its last lines were unread when chatd died"
exec 7>&-
wait_until 10 "the reader exited on EOF" bash -c "! kill -0 $READER 2>/dev/null"
echo "PASS $NAME ($got lines exactly once, in order; feeder: ${again:-nothing sent again})"
