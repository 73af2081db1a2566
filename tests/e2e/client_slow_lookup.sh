#!/usr/bin/env bash
# A name lookup that never answers (a dead name server) cannot be interrupted, yet SIGINT or Ctrl-C
# during start-up ends chat at once with one line on stderr and status 1, in line mode and full
# screen alike, instead of waiting for the lookup to give up.
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
echo "PASS client_slow_lookup"
