#!/usr/bin/env bash
# A name lookup that never answers (a dead name server) cannot be interrupted, yet chat never makes
# its user wait for one: SIGINT or Ctrl-C during start-up ends it at once with one line on stderr and
# status 1, and quitting while a reconnect is stuck in a lookup ends it at once with status 0 and the
# terminal restored, in line mode and full screen alike.
set -u
source "$(dirname "$0")/client_helpers.bash"

SHIM="$BUILD/tests/slow_resolver.so"
[ -f "$SHIM" ] || fail "no $SHIM: build the slow_resolver target"
# A sanitizer runtime that is a shared library would object to coming after the preloaded one.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# Line mode, SIGINT.
SLOW_RESOLVER_MARK="$WORK/plain.lookup" LD_PRELOAD="$SHIM" \
    "$CHAT" --plain slow.invalid alice < /dev/null > "$WORK/plain.out" 2> "$WORK/plain.err" &
pid=$!
BACKGROUND_PIDS+=("$pid")
wait_until 10 "the line-mode client never began its lookup" test -f "$WORK/plain.lookup"
kill -INT "$pid"
wait_until 3 "chat --plain was still running 3 s after SIGINT during the lookup" bash -c "! kill -0 $pid 2>/dev/null"
wait "$pid"
status=$?
[ $status = 1 ] || fail "chat --plain exited with $status after SIGINT during the lookup"
[ "$(wc -l < "$WORK/plain.err")" = 1 ] || fail "stderr is not one line: $(cat "$WORK/plain.err")"
grep -q "^chat: interrupted" "$WORK/plain.err" || fail "stderr does not say why: $(cat "$WORK/plain.err")"
[ ! -s "$WORK/plain.out" ] || fail "something was printed on stdout: $(cat "$WORK/plain.out")"

# Full screen, Ctrl-C typed in the terminal (the screen is not taken over yet).
tmx new-session -d -s e2e -n bob -x 100 -y 30 \
    "env TERM=xterm-256color LANG=C.UTF-8 SLOW_RESOLVER_MARK=$WORK/screen.lookup LD_PRELOAD=$SHIM ASAN_OPTIONS=$ASAN_OPTIONS $CHAT slow.invalid bob; echo \$? > $WORK/bob.status; sleep 600"
wait_until 10 "the full-screen client never began its lookup" test -f "$WORK/screen.lookup"
press bob C-c
wait_until 3 "chat was still running 3 s after Ctrl-C during the lookup" client_exited bob
[ "$(cat "$WORK/bob.status")" = 1 ] || fail "chat exited with $(cat "$WORK/bob.status") after Ctrl-C during the lookup"
expect_screen bob "chat: interrupted"

# Connected first (the first lookup is answered), then the server goes and so does the name server:
# the reconnect's lookup hangs, and quitting must not wait for it.
start_chatd
tmx new-window -d -t e2e -n carol \
    "env TERM=xterm-256color LANG=C.UTF-8 SLOW_RESOLVER_PASS=1 SLOW_RESOLVER_MARK=$WORK/carol.lookup LD_PRELOAD=$SHIM ASAN_OPTIONS=$ASAN_OPTIONS $CHAT --backoff-max 1 127.0.0.1:$PORT carol; echo \$? > $WORK/carol.status; stty -a > $WORK/carol.stty; sleep 600"
expect_screen carol "you joined #lobby"
mkfifo "$WORK/dave.in"
SLOW_RESOLVER_PASS=1 SLOW_RESOLVER_MARK="$WORK/dave.lookup" LD_PRELOAD="$SHIM" \
    "$CHAT" --plain --backoff-max 1 "127.0.0.1:$PORT" dave < "$WORK/dave.in" > "$WORK/dave.out" 2>&1 &
dave=$!
BACKGROUND_PIDS+=("$dave")
exec 7> "$WORK/dave.in"
wait_until 10 "dave never joined" grep -q "you joined #lobby" "$WORK/dave.out"
stop_chatd
wait_until 10 "carol's reconnect never began a lookup" test -f "$WORK/carol.lookup"
wait_until 10 "dave's reconnect never began a lookup" test -f "$WORK/dave.lookup"

press carol C-c
wait_until 3 "chat was still running 3 s after Ctrl-C during a reconnect's lookup" client_exited carol
[ "$(cat "$WORK/carol.status")" = 0 ] || fail "chat exited with $(cat "$WORK/carol.status") after Ctrl-C while reconnecting"
wait_until 5 "no terminal settings recorded" test -s "$WORK/carol.stty"
grep -qw -- "-icanon" "$WORK/carol.stty" && fail "the terminal was left in raw mode: $(cat "$WORK/carol.stty")"

# Line mode: end of input while the lookup hangs.
exec 7>&-
wait_until 3 "chat --plain was still running 3 s after end of input during a reconnect's lookup" \
    bash -c "! kill -0 $dave 2>/dev/null"
wait "$dave"
status=$?
[ $status = 0 ] || fail "chat --plain exited with $status at end of input while reconnecting"
BACKGROUND_PIDS=()
echo "PASS client_slow_lookup"
