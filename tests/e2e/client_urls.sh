#!/usr/bin/env bash
# A URL longer than a row, in tmux: it starts at the first column of a row of its own and goes on
# at the first column of the next rows, so the screen holds it unbroken by indentation (a terminal's
# selection or URL detection gets all of it); the words after it wrap as usual.
set -u
source "$(dirname "$0")/client_helpers.bash"

start_chatd
open_client alice --no-log "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"
start_reader
url="https://example.org/releases/2026/12/01/$(printf 'segment%02d/' $(seq 1 22))notes.html?from=chat#section-4"
[ ${#url} -gt 200 ] || fail "the test URL is too short to wrap twice"
printf 'the notes are at %s if you want them\n' "$url" >&7
expect_screen alice "<reader> the notes are at"
expect_screen alice "want them"

# The rows from the one starting with the URL: full 100-column rows, then the last piece.
joined=$(screen_of alice | awk -v u="$url" '
    index($0, "https://") == 1 { on = 1 }
    on { line = $0; out = out line; if (length(line) < 100) exit }
    END { print out }')
case "$joined" in
    "$url "*) ;;
    *) fail "the URL is not whole on screen; its rows joined: '$joined'" ;;
esac
# Nothing but the URL's own rows start with a part of it: no row holds indent spaces then URL text.
screen_of alice | grep -qE '^ +segment' && fail "a row of the URL is indented"

type_line alice "/quit"
wait_until 10 "alice exited" client_exited alice
echo "client_urls: OK"
