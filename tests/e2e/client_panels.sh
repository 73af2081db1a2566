#!/usr/bin/env bash
# The side panels and the mouse wheel, in tmux: Alt-Shift-N shows the nick list at the right,
# Alt-Shift-B the window list at the left; both hide when the terminal gets narrow and come back
# when it is wide again. With look.mouse on (/set), the terminal's mouse mode is on, a wheel notch
# scrolls back, and the mode is off again while chat is suspended and after it exits.
set -u
source "$(dirname "$0")/client_helpers.bash"

is_stopped() { grep -q '^State:[[:space:]]*T' "/proc/$1/status"; }
mouse_mode() { tmx display-message -p -t "=e2e:alice" '#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}'; }
mouse_on() { [ "$(mouse_mode)" != 000 ]; }
mouse_off() { [ "$(mouse_mode)" = 000 ]; }
# The screen's rows with a panel separator at column COL (1-based).

start_chatd 0 --rate 0
# alice runs chat from an interactive shell, so Ctrl-Z and fg work as for a person.
tmx new-session -d -s e2e -n alice -x 100 -y 30 "env PS1='shell> ' TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 bash --norc --noprofile -i"
expect_screen alice "shell>"
type_line alice "$CHAT --no-log 127.0.0.1:$PORT alice"
expect_screen alice "you joined #lobby"
ALICE=$(client_pid alice)
[ -n "$ALICE" ] || fail "no chat process for alice"
start_reader
type_line alice "/join #second"
expect_screen alice "you joined #second"
press alice M-1
expect_screen alice "reader"
mouse_off || fail "the mouse mode is on by default ($(mouse_mode))"

# Alt-Shift-N: the nick list at the right, sorted, after a separator.
press alice M-N
wait_until 5 "the nick list shows alice and reader at the right" bash -c \
    "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '│ alice *\$' && tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '│ reader *\$'"
# Alt-Shift-B: the window list at the left.
press alice M-B
wait_until 5 "the window list shows both windows at the left" bash -c \
    "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '^ 1\\.#lobby +│' && tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '^ 2\\.#second +│'"
# The conversation sits between them.
screen_of alice | grep -qE '^ 1\.#lobby +│[0-9:]+ -- you joined #lobby' || screen_of alice | grep -qE '│[0-9:]{5} ' ||
    fail "the messages are not drawn between the panels"

# Narrow: both panels give way; wide again: both come back.
tmx resize-window -t "=e2e:alice" -x 55 -y 30
wait_until 5 "the panels hid on a 55-column terminal" bash -c "! tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qF '│'"
expect_screen alice "#lobby>"
tmx resize-window -t "=e2e:alice" -x 66 -y 30
# 66 columns: the nick list fits with 50 left for the conversation, the window list does not.
wait_until 5 "the nick list came back at 66 columns" bash -c "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '│ reader *\$'"
screen_of alice | grep -qE '^ 1\.#lobby +│' && fail "the window list is drawn on 66 columns"
tmx resize-window -t "=e2e:alice" -x 100 -y 30
wait_until 5 "the window list came back at 100 columns" bash -c "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '^ 1\\.#lobby +│'"
# Toggled off again.
press alice M-N
press alice M-B
wait_until 5 "the panels went on a second Alt-Shift-N, Alt-Shift-B" bash -c "! tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qF '│'"

# The mouse wheel, once look.mouse is on.
for i in $(seq 1 60); do printf 'wheel line %d\n' "$i" >&7; done
expect_screen alice "<reader> wheel line 60"
type_line alice "/set look.mouse true"
wait_until 5 "/set look.mouse true turned the terminal's mouse mode on" mouse_on
# A wheel-up notch as the terminal reports it (SGR: button 64 pressed at column 10, row 10).
tmx send-keys -t "=e2e:alice" -H 1b 5b 3c 36 34 3b 31 30 3b 31 30 4d
expect_screen alice "3 more below"
tmx send-keys -t "=e2e:alice" -H 1b 5b 3c 36 35 3b 31 30 3b 31 30 4d
wait_until 5 "a wheel-down notch went back to the end" bash -c "! tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qF 'more below'"
# Suspended, the shell gets a terminal without mouse mode; fg turns it on again.
press alice C-z
wait_until 5 "alice's client stopped on Ctrl-Z" is_stopped "$ALICE"
wait_until 5 "the mouse mode was left on while suspended" mouse_off
type_line alice "fg"
expect_screen alice "#lobby>"
wait_until 5 "the mouse mode is back after fg" mouse_on
type_line alice "/set look.mouse false"
wait_until 5 "/set look.mouse false turned the mouse mode off" mouse_off
type_line alice "/set look.mouse true"
wait_until 5 "the mouse mode came back on" mouse_on
# Quitting leaves the terminal without mouse mode.
type_line alice "/quit"
expect_screen alice "shell>"
wait_until 5 "the mouse mode was left on after chat exited" mouse_off
echo "client_panels: OK"
