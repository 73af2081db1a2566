#!/usr/bin/env bash
# Trust on first use, as a person meets it: a server not yet known is refused in line mode unless
# --trust or --trust-first-use says otherwise, and asked about in full screen (one keystroke); a
# server whose key changed is a hard stop, in both modes and on a reconnect, naming both keys and the
# line to remove.
set -u
PIN=no
source "$(dirname "$0")/client_helpers.bash"

start_chatd 0 --state-dir "$WORK/state1"
FIRST=$FINGERPRINT

# Line mode, unknown server, no flag: refused before anything is sent.
"$CHAT" --plain "127.0.0.1:$PORT" lina < /dev/null > "$WORK/lina.out" 2> "$WORK/lina.err"
[ $? = 1 ] || fail "line mode connected to an unknown server without --trust"
grep -qF "is not known" "$WORK/lina.err" || fail "no 'not known' sentence: $(cat "$WORK/lina.err")"
grep -qF -- "--trust $FIRST" "$WORK/lina.err" || fail "the refusal does not say how to trust $FIRST"
grep -q " hello " "$WORK/chatd.log" && fail "a hello reached the server from an untrusted connection"
[ -s "$KNOWN_SERVERS" ] && fail "a refused key was written to known_servers"

# --trust with another key is refused too.
"$CHAT" --plain --trust SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "127.0.0.1:$PORT" lina < /dev/null \
    > "$WORK/lina2.out" 2> "$WORK/lina2.err"
[ $? = 1 ] || fail "--trust with the wrong key connected"
grep -qF "not the SHA256:AAAA" "$WORK/lina2.err" || fail "wrong --trust not explained: $(cat "$WORK/lina2.err")"

# Full screen: the question, one keystroke, then chatting; the key is remembered.
open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "Trust this server and connect? [y/N]"
expect_screen alice "$FIRST"
press alice y
expect_screen alice "you joined #lobby"
grep -qF "127.0.0.1:$PORT $FIRST" "$KNOWN_SERVERS" || fail "the accepted key is not in known_servers"

# Line mode now connects without a flag.
echo "hello from line mode" | "$CHAT" --plain "127.0.0.1:$PORT" lina > "$WORK/lina3.out" 2> "$WORK/lina3.err"
[ $? = 0 ] || fail "line mode refused a pinned server: $(cat "$WORK/lina3.err")"
expect_screen alice "<lina> hello from line mode"

# Answering anything but y refuses, and nothing is written.
cp "$KNOWN_SERVERS" "$WORK/known.before"
: > "$KNOWN_SERVERS"
open_client nadia "127.0.0.1:$PORT" nadia
expect_screen nadia "Trust this server and connect? [y/N]"
press nadia n
wait_until 10 "nadia's client did not exit after 'n'" client_exited nadia
[ "$(cat "$WORK/nadia.status")" = 1 ] || fail "refusing the key did not exit 1"
[ -s "$KNOWN_SERVERS" ] && fail "a refused key was written"
cp "$WORK/known.before" "$KNOWN_SERVERS"

# The server comes back on the same port with another key: alice's reconnect is a hard stop.
stop_chatd
expect_screen alice "disconnected:"
start_chatd "$PORT" --state-dir "$WORK/state2"
SECOND=$FINGERPRINT
[ "$FIRST" != "$SECOND" ] || fail "two state directories made the same key"
wait_until 40 "alice's client did not stop at the changed key" client_exited alice
[ "$(cat "$WORK/alice.status")" = 1 ] || fail "a changed key did not exit 1"
expect_screen alice "THE SERVER'S KEY HAS CHANGED"
expect_screen alice "$SECOND"
expect_screen alice "remove line 1 of"

# Line mode, same: both keys, the file and the line, exit 1, no hello.
"$CHAT" --plain --trust-first-use "127.0.0.1:$PORT" lina < /dev/null > "$WORK/lina4.out" 2> "$WORK/lina4.err"
[ $? = 1 ] || fail "line mode accepted a changed key (even with --trust-first-use)"
for want in "HAS CHANGED" "$FIRST" "$SECOND" "remove line 1 of $KNOWN_SERVERS"; do
    grep -qF -- "$want" "$WORK/lina4.err" || fail "the refusal lacks '$want': $(cat "$WORK/lina4.err")"
done
grep -q " hello " "$WORK/chatd.log" && fail "a hello reached the server with the changed key"

# Full screen at start: the same hard stop, no question asked.
open_client bea "127.0.0.1:$PORT" bea
wait_until 10 "bea's client did not refuse the changed key" client_exited bea
screen_has bea "Trust this server" && fail "a changed key was offered for trust"
expect_screen bea "THE SERVER'S KEY HAS CHANGED"

# After removing the line, as the message says, the new key is trusted on first use.
sed -i 1d "$KNOWN_SERVERS"
echo "after the change" | "$CHAT" --plain --trust-first-use "127.0.0.1:$PORT" lina > "$WORK/lina5.out" 2>&1
[ $? = 0 ] || fail "--trust-first-use did not connect after the line was removed: $(cat "$WORK/lina5.out")"
grep -qF "127.0.0.1:$PORT $SECOND" "$KNOWN_SERVERS" || fail "--trust-first-use did not pin the new key"
echo "ok"
