#!/usr/bin/env bash
# A server that starts wanting a password while chat is in (restarted with --password-file): the
# full screen asks for it on its input line, shown as one '*' per character; a wrong one is asked
# for again, the right one reconnects; Esc leaves with exit status 1. The password is never drawn.
set -u
source "$(dirname "$0")/client_helpers.bash"

SECRET="rose garden 42"
(umask 077; printf '%s\n' "$SECRET" > "$WORK/server.password")
start_chatd 0
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"

stop_chatd
expect_screen alice "disconnected:"
start_chatd "$PORT" --password-file "$WORK/server.password"
expect_screen alice "the server now wants a password; type it on the input line" 40
expect_screen alice "password>"
tmx send-keys -t "=e2e:alice" -l -- "not it"
expect_screen alice "password> ******"
screen_has alice "not it" && fail "the typed password showed on the screen"
press alice Enter
expect_screen alice "the server refused the password; type it on the input line" 20
tmx send-keys -t "=e2e:alice" -l -- "$SECRET"
expect_screen alice "password> **************"
press alice Enter
expect_screen alice "reconnected to chatd" 20
screen_has alice "$SECRET" && fail "the password showed on the screen"
type_line alice "back in with it"
expect_screen alice "<alice> back in with it"
grep -rqF --exclude=server.password -- "$SECRET" "$WORK" &&
    fail "the password was written to a file: $(grep -rlF --exclude=server.password -- "$SECRET" "$WORK")"

# Once more, and Esc: chat leaves, exit 1, saying why.
stop_chatd
(umask 077; printf 'another one\n' > "$WORK/server.password")
start_chatd "$PORT" --password-file "$WORK/server.password"
# The second refusal on the screen (the first is still there from the wrong guess above).
wait_until 40 "alice was not asked again" bash -c "[ \$(tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -c 'the server refused the password') -ge 2 ]"
press alice Escape
wait_until 10 "alice's chat exited after Esc" client_exited alice
[ "$(cat "$WORK/alice.status")" = 1 ] || fail "Esc did not exit 1 (status $(cat "$WORK/alice.status"))"
expect_screen alice "chat: no password given; left 127.0.0.1:$PORT"
echo "PASS client_password_reconnect"
