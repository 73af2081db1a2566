#!/usr/bin/env bash
# The server restarts under two connected clients: they stay up and say so, count down, reconnect,
# rejoin their rooms, and a line typed during the outage is kept as pending and arrives afterwards.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"  # alice is in before bob arrives
open_client bob "127.0.0.1:$PORT" bob
expect_screen alice "bob joined"
type_line alice "/join rust"
expect_screen alice "you joined #rust"  # confirmed by the server, so bob's join comes after
type_line bob "/join rust"
expect_screen alice "bob joined"
type_line bob "before the outage"
expect_screen alice "<bob> before the outage"

stop_chatd
expect_screen alice "disconnected:"
wait_until 10 "alice's status bar never showed the reconnect countdown" \
    bash -c "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE 'reconnecting in [0-9]+s'"

type_line alice "typed during the outage"
expect_screen alice "typed during the outage  (pending)"
expect_screen alice "1 pending"

start_chatd "$PORT"
expect_screen alice "reconnected to chatd" 40
expect_screen bob "reconnected to chatd" 40
expect_screen alice "rejoined #rust" 10
# The pending line went out once: shown by the server's echo, no longer marked pending.
expect_screen bob "<alice> typed during the outage" 10
expect_screen alice "<alice> typed during the outage"
screen_has alice "(pending)" && fail "the sent line is still marked pending"
[ "$(screen_count bob 'typed during the outage')" = 1 ] || fail "bob saw the line more than once"
[ "$(screen_count alice 'before the outage')" = 1 ] || fail "history was shown twice after rejoining"

# Both are back in #rust and talk normally.
type_line bob "after the restart"
expect_screen alice "<bob> after the restart"
expect_screen alice "online"
echo "PASS client_reconnect"
