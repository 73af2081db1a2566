#!/usr/bin/env bash
# A bracketed paste of 150 numbered lines in the full-screen client is one thing: shown first
# (line count), sent on Enter as multi-line messages (three, the server taking 50 lines each),
# and it arrives at a line-mode reader complete, in order, exactly once. Pasted lines that start
# with '/' are text: none runs as a command.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd
start_reader
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"

# Every tenth line is a command if typed: /quit, /nick, /part would end or change the session.
for i in $(seq 1 150); do
    case $((i % 30)) in
        10) echo "/quit pasted line $i" ;;
        20) echo "/nick evil$i pasted line $i" ;;
        0) echo "/part pasted line $i" ;;
        *) echo "pasted line $i" ;;
    esac
done > "$WORK/paste.txt"
tmx load-buffer -b p "$WORK/paste.txt"
tmx paste-buffer -p -b p -t "=e2e:alice"
expect_screen alice "paste: 150 lines"
expect_screen alice "in 3 parts"
screen_has alice "pasted line 1" || fail "the paste's first lines are not previewed"
press alice Enter

wait_until 30 "the reader got the last pasted line" grep -qE '^  \| /part pasted line 150$' "$WORK/reader.out"
# Messages from alice, their continuation lines joined back into the pasted lines.
awk '/#lobby <alice> / { on = 1; sub(/.*#lobby <alice> /, ""); print; next }
     /^  \| / && on { sub(/^  \| /, ""); print; next }
     { on = 0 }' "$WORK/reader.out" > "$WORK/got.txt"
cmp -s "$WORK/paste.txt" "$WORK/got.txt" ||
    fail "the reader did not get the 150 lines once each, in order: $(diff "$WORK/paste.txt" "$WORK/got.txt" | head -5)"
[ "$(grep -c '#lobby <alice> ' "$WORK/reader.out")" = 3 ] || fail "the paste did not arrive as 3 messages"
grep -qE "alice quit|now known as|alice left" "$WORK/reader.out" && fail "a pasted line ran as a command"
client_exited alice && fail "alice's client exited: a pasted /quit ran"

# A short paste goes to the input line to be sent with Enter; Esc on a long one puts it back there.
printf 'short one\nshort two\n' > "$WORK/short.txt"
tmx load-buffer -b s "$WORK/short.txt"
tmx paste-buffer -p -b s -t "=e2e:alice"
expect_screen alice "short one↵short two"
press alice Enter
wait_until 10 "the reader got the short paste" grep -qE '^  \| short two$' "$WORK/reader.out"
tmx paste-buffer -p -b p -t "=e2e:alice"
expect_screen alice "paste: 150 lines"
press alice Escape
expect_screen alice "#lobby> "
wait_until 5 "Esc did not put the paste back in the input line" bash -c "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | tail -1 | grep -q '↵'"
screen_has alice "paste: 150 lines" && fail "the offer stayed after Esc"
press alice C-u
type_line alice "/quit"
wait_until 5 "alice's client exited after /quit" client_exited alice
exec 7>&-
echo "PASS client_paste"
