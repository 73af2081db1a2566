#!/usr/bin/env bash
# A hung server (SIGSTOP: the kernel still accepts and ACKs) is noticed by the client's own ping,
# shown as disconnected while the client keeps trying, and rejoined once the server runs again.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd
open_client alice --ping-idle 1 --ping-timeout 1 --backoff-max 1 "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"
type_line alice "/join rust"
expect_screen alice "you joined #rust"  # the server has the join before it stops

kill -STOP "$CHATD_PID"
expect_screen alice "disconnected: no answer from the server" 8
# While the server is stopped, connections are accepted by the kernel but never welcomed.
wait_until 10 "the status bar never showed the client trying again" \
    bash -c "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE 'reconnecting in [0-9]+s|registering|connecting'"
type_line alice "typed while the server hung"
expect_screen alice "typed while the server hung  (pending)"

kill -CONT "$CHATD_PID"
expect_screen alice "reconnected to chatd" 15
expect_screen alice "rejoined #rust" 10
wait_until 10 "the pending mark never went away" bash -c "! tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qF '(pending)'"
# Now that the pending copy is gone, this is the server's echo.
expect_screen alice "typed while the server hung" 10
expect_screen alice "online"
screen_of alice > "$WORK/final.txt"
echo "PASS client_hung_server"
