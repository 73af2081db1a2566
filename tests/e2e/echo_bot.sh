#!/usr/bin/env bash
# docs/examples/echo_bot.py as a user runs it: pinned to the server's key over TLS, it refuses a
# server with another key; given the right one it takes NICK_2 when NICK is in use, joins its room,
# answers "!echo" there and "!time" in a private message, and exits 0 when the server shuts down.
set -u
source "$(dirname "$0")/client_helpers.bash"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

BOT="$(dirname "$0")/../../docs/examples/echo_bot.py"
[ -f "$BOT" ] || fail "no bot at $BOT"

start_chatd 0
start_reader

# Another key than the server's: refused before hello.
wrong="SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
timeout 20 python3 "$BOT" 127.0.0.1 "$PORT" echobot bots "$wrong" > "$WORK/wrong.out" 2>&1
status=$?
[ $status -eq 1 ] || fail "the bot given another pin exited with $status, not 1: $(cat "$WORK/wrong.out")"
grep -q "SHA256:" "$WORK/wrong.out" || fail "the bot did not name the key it was shown: $(cat "$WORK/wrong.out")"
if grep -q "connected to" "$WORK/wrong.out"; then fail "the bot registered with a server it does not pin"; fi

# The reader holds the nick the bot asks for: the bot must come in as echobot_2.
echo "/nick echobot" >&7
wait_until 10 "the reader became echobot" grep -q "echobot" "$WORK/reader.out"

: > "$WORK/bot.out"  # exists before the first poll, whenever the child opens it
python3 "$BOT" 127.0.0.1 "$PORT" echobot bots "$FINGERPRINT" > "$WORK/bot.out" 2>&1 &
BOT_PID=$!
BACKGROUND_PIDS+=("$BOT_PID")
wait_until 10 "the bot joined #bots as echobot_2" grep -q "^\* in #bots" "$WORK/bot.out"
grep -q "connected to .* as echobot_2" "$WORK/bot.out" || fail "the bot did not take echobot_2: $(cat "$WORK/bot.out")"

echo "/join #bots" >&7
wait_until 10 "the bot saw the reader join #bots" grep -q "^\* echobot join #bots" "$WORK/bot.out"
echo "!echo hello from the reader" >&7
wait_until 10 "the bot echoed the line in #bots" grep -q "#bots <echobot_2> hello from the reader" "$WORK/reader.out"
echo "plain words, no command" >&7
echo "/msg echobot_2 !time" >&7
wait_until 10 "the bot answered !time privately" grep -q "\[pm\] <echobot_2 -> echobot> server time: [0-9-]* [0-9:.]* UTC" "$WORK/reader.out"
# Only the !echo line got an echo: the plain line got none.
if grep -q "<echobot_2> plain words" "$WORK/reader.out"; then fail "the bot echoed a line without !echo"; fi

# The server stops: the bot is told, and exits 0.
stop_chatd
wait_until 10 "the bot exited" bash -c "! kill -0 $BOT_PID 2>/dev/null"
wait "$BOT_PID"
status=$?
[ $status -eq 0 ] || fail "the bot exited with $status at server shutdown: $(cat "$WORK/bot.out")"
grep -q "server shutting down" "$WORK/bot.out" || fail "the bot did not see the shutdown: $(cat "$WORK/bot.out")"
echo "PASS echo_bot"
