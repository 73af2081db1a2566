#!/usr/bin/env bash
# Stored history in the full-screen client: 60 messages are said, chatd is restarted on the same
# state directory, and a new client scrolls with PgUp past the 5 the join replays into pages fetched
# from the store, down to "start of history"; /search finds a word said before the restart.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd 0 --history 5 --rate 0
raw_connect carol
for i in $(seq 1 60); do
    word="line"
    [ "$i" = 3 ] && word="aardvark"
    printf '{"type":"say","room":"#lobby","text":"old %s %d"}\n' "$word" "$i" >&3
done
printf '{"type":"ping","token":"said"}\n' >&3
wait_until 10 "chatd never answered carol's ping" grep -q '"token":"said"' "$WORK/raw.out"
exec 3>&-
stop_chatd
grep -q "store:" "$WORK/chatd.log" && fail "the store reported a fault: $(grep 'store:' "$WORK/chatd.log")"

start_chatd 0 --history 5 --rate 0
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"
expect_screen alice "old line 60"
screen_has alice "old line 50" && fail "the join replayed more than --history 5"

# PgUp until the top: each press at the top of what the window holds fetches the page above.
page_up_until() {
    press alice PPage
    screen_has alice "$1"
}
wait_until 15 "PgUp never reached old line 10 from the store" page_up_until "old line 10"
wait_until 15 "PgUp never reached the start of history" page_up_until "start of history"
expect_screen alice "old line 1"
# Back down, and search for a word said before the restart.
for _ in 1 2 3 4 5 6 7 8; do press alice NPage; done
type_line alice "/search aardvark"
expect_screen alice 'search "aardvark": 1 message'
expect_screen alice "<carol> old aardvark 3"
screen_has alice "(id 3)" || fail "the search result does not show its id"
type_line alice "/quit"
wait_until 10 "alice did not exit" client_exited alice
