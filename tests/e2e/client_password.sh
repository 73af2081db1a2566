#!/usr/bin/env bash
# chat asks for the password a chatd started with --password-file wants, when none was given: a
# masked line on the terminal (a '*' per character), a wrong one asked for again, Esc cancels and
# exits 1; then it connects with it. The password is never on the screen, in a log or in a file.
# Line mode has nobody to ask: it refuses with one clear stderr line and exit status 1.
set -u
source "$(dirname "$0")/client_helpers.bash"

SECRET="tiger-lily 7"
(umask 077; printf '%s\n' "$SECRET" > "$WORK/server.password")
start_chatd 0 --password-file "$WORK/server.password"
start_reader() {  # a line-mode reader with the password, to see what the screen client says
    mkfifo "$WORK/reader.in"
    "$CHAT" --plain --password-file "$WORK/server.password" "127.0.0.1:$PORT" reader < "$WORK/reader.in" > "$WORK/reader.out" 2>&1 &
    READER=$!
    BACKGROUND_PIDS+=("$READER")
    exec 7> "$WORK/reader.in"
    wait_until 10 "the reader joined #lobby" grep -q "you joined #lobby" "$WORK/reader.out"
}
start_reader

# Line mode: refused at once, exit 1, one line that says what to do.
"$CHAT" --plain "127.0.0.1:$PORT" liner < /dev/null > "$WORK/liner.out" 2> "$WORK/liner.err"
status=$?
[ $status = 1 ] || fail "line mode without a password exited $status, not 1"
grep -q "password_required" "$WORK/liner.err" && grep -q "line mode cannot ask" "$WORK/liner.err" &&
    grep -q -- "--password-file" "$WORK/liner.err" || fail "line mode did not say why: $(cat "$WORK/liner.err")"
[ "$(wc -l < "$WORK/liner.err")" = 1 ] || fail "line mode wrote more than one line: $(cat "$WORK/liner.err")"

# Full screen: asked, a wrong password first.
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "The server 127.0.0.1:$PORT wants a password (Esc cancels):"
tmx send-keys -t "=e2e:alice" -l -- "wrong one"
expect_screen alice "(Esc cancels): *********"
screen_has alice "wrong one" && fail "the typed password showed on the screen"
press alice BSpace BSpace BSpace
expect_screen alice "(Esc cancels): ******"
screen_has alice "(Esc cancels): *******" && fail "Backspace did not take a star back"
press alice Enter
expect_screen alice "Wrong password for 127.0.0.1:$PORT; try again (Esc cancels):"
# The right one (a space inside), with an arrow key first: its escape sequence is not Esc.
press alice Left
tmx send-keys -t "=e2e:alice" -l -- "$SECRET"
expect_screen alice "Wrong password for 127.0.0.1:$PORT; try again (Esc cancels): ************"
client_exited alice && fail "an arrow key cancelled the question"
press alice Enter
expect_screen alice "#lobby"
wait_until 10 "the reader saw alice join" grep -q -- "-- alice joined" "$WORK/reader.out"
type_line alice "in with the password"
wait_until 10 "the reader saw alice's line" grep -q "#lobby <alice> in with the password" "$WORK/reader.out"
screen_has alice "$SECRET" && fail "the password showed on the screen"
grep -rqF --exclude=server.password -- "$SECRET" "$WORK" &&
    fail "the password was written to a file: $(grep -rlF --exclude=server.password -- "$SECRET" "$WORK")"

# Esc cancels: exit 1, nothing connected.
open_client bob "127.0.0.1:$PORT" bob
expect_screen bob "The server 127.0.0.1:$PORT wants a password (Esc cancels):"
tmx send-keys -t "=e2e:bob" -l -- "abc"
expect_screen bob "(Esc cancels): ***"
press bob Escape
wait_until 10 "bob's chat exited after Esc" client_exited bob
[ "$(cat "$WORK/bob.status")" = 1 ] || fail "Esc did not exit 1 (status $(cat "$WORK/bob.status"))"
expect_screen bob "no password given; not connected to 127.0.0.1:$PORT"
grep -q -- "-- bob joined" "$WORK/reader.out" && fail "bob joined without a password"
exec 7>&-
echo "PASS client_password"
