#!/usr/bin/env bash
# Ctrl-R in tmux: the scroll-back search finds a line scrolled far off the screen, shows it
# highlighted with the mode and query in the status bar, goes older on Ctrl-R, says "not found",
# and Esc goes back; past the oldest match Ctrl-R asks the server's store; Ctrl-R with text typed
# searches the input history instead.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd 0 --rate 0  # the reader talks fast
open_client alice --no-log "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"
start_reader
# Two lines worth finding, then enough talk to push them off a 30-row screen.
printf 'the deploy key is in the vault\n' >&7
for i in $(seq 1 40); do printf 'filler line %d\n' "$i" >&7; done
printf 'second DEPLOY note\n' >&7
for i in $(seq 41 80); do printf 'filler line %d\n' "$i" >&7; done
expect_screen alice "<reader> filler line 80"
screen_has alice "deploy key" && fail "the first line should be off the screen before the search"

press alice C-r
expect_screen alice 'search #lobby: ""'
tmx send-keys -t "=e2e:alice" -l "deploy"
# The newest match first (case-insensitive), scrolled into view, the mode and query in the bar.
expect_screen alice "<reader> second DEPLOY note"
expect_screen alice 'search #lobby: "deploy"'
screen_has alice "filler line 80" && fail "the match was not scrolled into view (the newest line still shows)"
press alice C-r
expect_screen alice "<reader> the deploy key is in the vault"
press alice C-r
expect_screen alice "(no older match)"
# Drawn in reverse video: tmux's escape-coded capture shows the attribute on the match.
tmx capture-pane -e -p -t "=e2e:alice" | grep -a "the .*deploy.* key" | grep -qaE $'\e\\[[0-9;]*7[0-9;]*m' ||
    fail "the match is not highlighted"
tmx send-keys -t "=e2e:alice" -l "zzz"
expect_screen alice '"deployzzz" not found'
# Esc: back to the end of the conversation, the search gone from the bar.
press alice Escape
expect_screen alice "<reader> filler line 80"
wait_until 5 "the search left the status bar" bash -c "! tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qF 'search #lobby'"

# Past the oldest match, Ctrl-R asks the server's stored history (chatd has feature "search").
press alice C-r
tmx send-keys -t "=e2e:alice" -l "deploy"
expect_screen alice "<reader> second DEPLOY note"
press alice C-r
press alice C-r
expect_screen alice "(no older match), Ctrl-R asks the server"
press alice C-r
expect_screen alice 'search "deploy" in #lobby: 2 messages, newest first'
screen_has alice 'search #lobby:' && fail "the search did not end when the server was asked"

# With text in the input line, Ctrl-R searches what was typed before.
type_line alice "remember the milk"
type_line alice "something else"
expect_screen alice "<alice> something else"
tmx send-keys -t "=e2e:alice" -l "milk"
press alice C-r
expect_screen alice 'history search: "milk"'
expect_screen alice "history> remember the milk"
# Enter takes it into the input line; a second Enter sends it.
press alice Enter
expect_screen alice "#lobby> remember the milk"
press alice Enter
wait_until 10 "the line found in the history was sent" bash -c "[ \$(grep -c 'remember the milk' '$WORK/reader.out') = 2 ]"

type_line alice "/quit"
wait_until 10 "alice exited" client_exited alice
[ "$(cat "$WORK/alice.status")" = 0 ] || fail "alice exited with $(cat "$WORK/alice.status")"
echo "client_search: OK"
