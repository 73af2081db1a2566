#!/usr/bin/env bash
# The Python bot of docs/protocol.md, taken from the page itself: it connects over TLS with the
# pinned fingerprint, says a line in #lobby that a line-mode chat sees, and leaves; given another
# fingerprint it refuses the server before saying anything.
set -u
source "$(dirname "$0")/client_helpers.bash"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

DOC="$(dirname "$0")/../../docs/protocol.md"
# The first python block after the sentence that introduces the bot.
awk '/^A bot in Python/ { found = 1 } found && /^```python$/ { inside = 1; next }
     inside && /^```$/ { exit } inside { print }' "$DOC" > "$WORK/hello_bot.py"
grep -q 'key_fingerprint' "$WORK/hello_bot.py" || fail "no bot found in $DOC"

start_chatd 0
start_reader

# Another key than the server's: refused before hello, so nothing reaches #lobby.
wrong="SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
timeout 20 python3 "$WORK/hello_bot.py" 127.0.0.1 "$PORT" "$wrong" > "$WORK/wrong.out" 2>&1
status=$?
[ $status -ne 0 ] || fail "the bot accepted a server whose key is not its pin"
grep -q "not the pinned server key" "$WORK/wrong.out" || fail "the bot did not say why: $(cat "$WORK/wrong.out")"

timeout 20 python3 "$WORK/hello_bot.py" 127.0.0.1 "$PORT" "$FINGERPRINT" > "$WORK/bot.out" 2>&1
status=$?
[ $status -eq 0 ] || fail "the bot exited with $status: $(cat "$WORK/bot.out")"
wait_until 10 "the reader saw the bot's line" grep -q "#lobby <hellobot> hello from a bot" "$WORK/reader.out"
wait_until 10 "the reader saw the bot leave" grep -q -- "-- hellobot quit" "$WORK/reader.out"
exec 7>&-
wait_until 10 "the reader exited on EOF" bash -c "! kill -0 $READER 2>/dev/null"
echo "PASS python_bot"
