#!/usr/bin/env bash
# Ctrl-Z stops the full-screen client like any job: the shell gets the terminal back, and after
# `fg` the screen is drawn again, with what was said meanwhile, on the same connection.
set -u
source "$(dirname "$0")/client_helpers.bash"

is_stopped() { grep -q '^State:[[:space:]]*T' "/proc/$1/status"; }
is_running() { ! is_stopped "$1"; }

start_chatd
open_client bob "127.0.0.1:$PORT" bob
expect_screen bob "you joined #lobby"

# alice runs chat from an interactive shell, which is what gives Ctrl-Z and fg their meaning.
tmx new-window -d -t e2e -n alice "env PS1='shell> ' TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 bash --norc --noprofile -i"
expect_screen alice "shell>"
type_line alice "$CHAT 127.0.0.1:$PORT alice"
expect_screen alice "you joined #lobby"
expect_screen bob "alice joined"
ALICE=$(client_pid alice)
[ -n "$ALICE" ] || fail "no chat process for alice"

press alice C-z
wait_until 5 "alice's client stopped on Ctrl-Z" is_stopped "$ALICE"
expect_screen alice "Stopped"
type_line bob "said while alice was stopped"

type_line alice "fg"
wait_until 5 "alice's client continued after fg" is_running "$ALICE"
expect_screen alice "<bob> said while alice was stopped"
expect_screen alice "#lobby>"
screen_has alice "Stopped" && fail "the screen was not redrawn after fg"
screen_has alice "shell>" && fail "the shell prompt is still on screen after fg"
type_line alice "back again"
expect_screen bob "<alice> back again"
screen_has bob "alice quit" && fail "alice's connection was lost while stopped"
type_line alice "/quit"
expect_screen alice "shell>"
echo "PASS client_suspend"
