#!/usr/bin/env bash
# Every way out restores the terminal: SIGTERM, SIGINT, Ctrl-C, Ctrl-D on an empty line, /quit.
# Resizing down to one column and back does not crash the client.
set -u
source "$(dirname "$0")/client_helpers.bash"

tty_restored() {  # the shell's terminal modes after the client exited
    local f="$WORK/$1.stty"
    grep -qw -- "-icanon" "$f" && fail "$1: icanon still off after exit"
    grep -qw -- "-echo" "$f" && fail "$1: echo still off after exit"
    grep -qw -- "icanon" "$f" || fail "$1: no stty output"
    return 0
}

export -f screen_of tmx
export TMUX_SOCKET

exits_cleanly() {  # exits_cleanly NAME
    wait_until 5 "$1's client exited" client_exited "$1"
    [ "$(cat "$WORK/$1.status")" = 0 ] || fail "$1 exited with status $(cat "$WORK/$1.status")"
    tty_restored "$1"
    expect_screen watcher "$1 quit"
}

start_chatd
open_client watcher "127.0.0.1:$PORT" watcher
expect_screen watcher "you joined #lobby"

for who in term int ctrlc ctrld; do
    open_client "$who" "127.0.0.1:$PORT" "$who"
    expect_screen "$who" "you joined #lobby"
done

# Shrinking to nothing and back while messages arrive.
for size in "1 1" "2 5" "1 30" "100 2" "100 30"; do
    set -- $size
    tmx resize-window -t "=e2e:term" -x "$1" -y "$2"
    type_line watcher "resize $1x$2"
done
expect_screen term "<watcher> resize 100x30"
[ -n "$(client_pid term)" ] || fail "the client died while being resized"

kill -TERM "$(client_pid term)"
exits_cleanly term
kill -INT "$(client_pid int)"
exits_cleanly int
press ctrlc C-c
exits_cleanly ctrlc
# On a non-empty line Ctrl-D deletes the character under the cursor instead.
tmx send-keys -t "=e2e:ctrld" -l "xy"
press ctrld Left C-d
wait_until 5 "Ctrl-D deleted the character under the cursor" bash -c "screen_of ctrld | grep -qx '#lobby> x'"
press ctrld BSpace C-d
exits_cleanly ctrld
echo "PASS client_signals"
