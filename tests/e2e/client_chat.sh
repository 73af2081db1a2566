#!/usr/bin/env bash
# Two full-screen clients talk through a real chatd: room messages both ways, emoji and CJK,
# /me, a private message and its reply window, a nick change, a second room, and a clean /quit.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"
open_client bob "127.0.0.1:$PORT" bob
expect_screen bob "you joined #lobby"
expect_screen alice "bob joined"
expect_screen alice "online"

type_line alice "hello bob"
expect_screen bob "<alice> hello bob"
type_line bob "hi alice, 你好 🎉 ok"
expect_screen alice "<bob> hi alice, 你好 🎉 ok"
expect_screen bob "<bob> hi alice, 你好 🎉 ok"

# Invalid UTF-8 typed (or pasted) is repaired to U+FFFD, never dropped or sent raw.
tmx send-keys -t "=e2e:alice" -l "bad"
tmx send-keys -t "=e2e:alice" -H ff
tmx send-keys -t "=e2e:alice" -l "byte"
press alice Enter
expect_screen bob "<alice> bad�byte"

type_line alice "/me waves 👋"
expect_screen bob "* alice waves 👋"

# A private message shows in the room being looked at and opens a conversation window.
type_line bob "/msg alice psst, secret"
expect_screen alice "[pm] <bob -> alice> psst, secret"
expect_screen alice "2:bob(1!)"
press alice M-2
expect_screen alice "private conversation with bob"
expect_screen alice "bob>"
type_line alice "got it"
expect_screen bob "[pm] <alice -> bob> got it"

# Nick change: seen by the other side, and the conversation window follows the new nick.
type_line bob "/nick robert"
expect_screen bob "you are now known as robert"
expect_screen alice "bob is now known as robert"
expect_screen alice "private conversation with robert"
press alice C-n
expect_screen alice "#lobby>"
type_line alice "hi robert"
expect_screen bob "<alice> hi robert"

# A second room: the window switches on join, and messages stay in their room. A line typed
# straight after /join goes to the new room, not the old one.
type_line alice "/join rust"
type_line alice "straight after join"
expect_screen alice " #rust"
expect_screen alice "#rust>"
expect_screen alice "<alice> straight after join"
# It waits for the join, then for the server's echo: only then is it in #rust's history.
expect_screen alice "you joined #rust"
wait_until 10 "alice's line was never echoed by the server" \
    bash -c "! tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '\\((waiting for the join|sending)\\)'"
screen_has bob "straight after join" && fail "a line typed after /join went to #lobby"
type_line bob "/join #rust"
expect_screen alice "robert joined"
# For robert it is history: shown above the separator from live lines.
expect_screen bob "--- end of history: 1 earlier message ---"
type_line bob "rust only"
expect_screen alice "<robert> rust only"
press alice M-1
expect_screen alice "#lobby>"
screen_has alice "rust only" && fail "a #rust message showed in #lobby"

# Unknown commands are local errors; the client keeps running.
type_line alice "/frobnicate"
expect_screen alice "unknown command /frobnicate"

type_line alice "/quit bye now"
wait_until 5 "alice's client exited after /quit" client_exited alice
[ "$(cat "$WORK/alice.status")" = 0 ] || fail "alice exited with status $(cat "$WORK/alice.status")"
expect_screen bob "alice quit (quit: bye now)"
echo "PASS client_chat"
