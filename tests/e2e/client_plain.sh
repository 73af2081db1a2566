#!/usr/bin/env bash
# Line mode: lines piped into `chat --plain` reach a full-screen client, events print as one line
# each, EOF quits with status 0; start-up failures are one line on stderr and a non-zero status.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd
open_client carol "127.0.0.1:$PORT" carol
expect_screen carol "you joined #lobby"

# More lines than the server's burst: the client paces them instead of having them refused.
{
    echo "plain hello 世界"
    echo "/me types from a pipe"
    echo "/msg carol private from a pipe"
    for i in $(seq 1 14); do echo "line $i"; done
    printf 'no newline at the end'
} > "$WORK/input.txt"
timeout 30 "$CHAT" --plain "127.0.0.1:$PORT" dave < "$WORK/input.txt" > "$WORK/dave.out" 2> "$WORK/dave.err"
status=$?
[ $status = 0 ] || fail "chat --plain exited with $status on EOF: $(cat "$WORK/dave.err")"
expect_screen carol "<dave> plain hello 世界"
expect_screen carol "* dave types from a pipe"
expect_screen carol "[pm] <dave -> carol> private from a pipe"
expect_screen carol "<dave> line 14"
expect_screen carol "<dave> no newline at the end"
expect_screen carol "dave quit"
grep -q "rate_limited" "$WORK/dave.out" && fail "line mode tripped the server's rate limit"
grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} #lobby <dave> plain hello 世界$' "$WORK/dave.out" || fail "no echo line in: $(cat "$WORK/dave.out")"
grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} #lobby \* dave types from a pipe$' "$WORK/dave.out" || fail "no action line"
grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} \[pm\] <dave -> carol> private from a pipe$' "$WORK/dave.out" || fail "no pm line"

# A line mode reader sees what the full-screen client says, one flushed line per event.
mkfifo "$WORK/erin.in"
"$CHAT" "127.0.0.1:$PORT" erin < "$WORK/erin.in" > "$WORK/erin.out" 2>&1 &
ERIN=$!
exec 7> "$WORK/erin.in"
wait_until 10 "erin (line mode, not a terminal) joined" grep -q "you joined #lobby" "$WORK/erin.out"
type_line carol "to the pipe reader"
wait_until 10 "erin printed carol's line" grep -qE '#lobby <carol> to the pipe reader$' "$WORK/erin.out"
type_line carol "/nick carol2"
wait_until 10 "erin saw the nick change" grep -q -- "-- carol is now known as carol2" "$WORK/erin.out"
echo "/who" >&7
wait_until 10 "erin got the /who answer" grep -q -- "-- #lobby (2): carol2 erin" "$WORK/erin.out"
echo "/nick carol2" >&7
wait_until 10 "erin got the nick_in_use error" grep -q "^error: nick_in_use: " "$WORK/erin.out"
exec 7>&-
wait_until 10 "erin exited on EOF" bash -c "! kill -0 $ERIN 2>/dev/null"
wait $ERIN
status=$?
[ $status = 0 ] || fail "erin exited with $status"

# Start-up failures: one line on stderr, nothing on stdout, non-zero status.
"$CHAT" --plain "127.0.0.1:$PORT" carol2 < /dev/null > "$WORK/taken.out" 2> "$WORK/taken.err"
status=$?
[ $status != 0 ] || fail "a taken nick at start exited 0"
[ "$(wc -l < "$WORK/taken.err")" = 1 ] || fail "taken nick: stderr is not one line: $(cat "$WORK/taken.err")"
grep -q "nick_in_use" "$WORK/taken.err" || fail "taken nick: stderr does not say why: $(cat "$WORK/taken.err")"
[ ! -s "$WORK/taken.out" ] || fail "taken nick: something was printed on stdout"

# A terminal ncurses does not know fails before connecting: nobody sees the nick come and go.
tmx new-window -d -t e2e -n gina "env TERM=no-such-terminal LANG=C.UTF-8 $CHAT 127.0.0.1:$PORT gina; echo \$? > $WORK/gina.status; sleep 600"
wait_until 10 "gina's client exited" client_exited gina
[ "$(cat "$WORK/gina.status")" = 1 ] || fail "an unusable terminal exited with $(cat "$WORK/gina.status")"
expect_screen gina "chat: cannot use this terminal (TERM=no-such-terminal); try --plain"
grep -q " as gina" "$WORK/chatd.log" && fail "chat registered before finding the terminal unusable"

stop_chatd
"$CHAT" --plain "127.0.0.1:$PORT" zed < /dev/null > "$WORK/refused.out" 2> "$WORK/refused.err"
status=$?
[ $status != 0 ] || fail "a refused connection exited 0"
grep -q "cannot connect" "$WORK/refused.err" || fail "refused: stderr does not say why: $(cat "$WORK/refused.err")"
[ "$(wc -l < "$WORK/refused.err")" = 1 ] || fail "refused: stderr is not one line"

# The full-screen client fails the same way, before drawing anything.
open_client frank "127.0.0.1:$PORT" frank
wait_until 10 "frank's client exited" client_exited frank
[ "$(cat "$WORK/frank.status")" != 0 ] || fail "frank exited 0 with no server"
expect_screen frank "chat: cannot connect to 127.0.0.1:$PORT"
echo "PASS client_plain"
