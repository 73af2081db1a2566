#!/usr/bin/env bash
# chatd's state directory read-only (a bind mount remounted read-only in a mount namespace made
# here; root ignores file modes, so this is the way to make it so for root): chatd starts, logs one
# line with what to do, relays memory-only, and says so (welcome.store and joined.store "failing",
# and the client prints it). Made writable again, the waiting messages are written, and a restart
# replays them with what was stored before. Needs root (unshare -m, nsenter); exits 77 without it.
set -u
source "$(dirname "$0")/client_helpers.bash"

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v nsenter >/dev/null ||
    ! unshare -m true 2>/dev/null; then
    echo "skipped: mount namespaces need root, unshare and nsenter"
    exit 77
fi

STATE="$XDG_STATE_HOME/chatd"
REAL_CHATD=$CHATD

say_lines() {  # say_lines NICK LINE...: a line-mode client says each line, waits for its echo, quits
    local nick=$1
    shift
    printf '%s\n' "$@" | "$CHAT" --plain "127.0.0.1:$PORT" "$nick" > "$WORK/$nick.out" 2>&1 ||
        fail "$nick exited with $?: $(cat "$WORK/$nick.out")"
}

# 1. A store that works: one message is stored.
start_chatd 0
say_lines early "said before the disk went read-only"
stop_chatd

# 2. The same state directory, read-only for this chatd only (its own mount namespace). The
# wrapper execs, so CHATD_PID is chatd's pid and its namespace is the one nsenter enters.
cat > "$WORK/ro-chatd" <<EOF
#!/usr/bin/env bash
mount --bind "$STATE" "$STATE" && mount -o remount,ro,bind "$STATE" || exit 111
exec "$REAL_CHATD" "\$@"
EOF
chmod +x "$WORK/ro-chatd"
CHATD="$WORK/ro-chatd"
PIN=no
: > "$WORK/chatd.log"
unshare -m --propagation private "$CHATD" --bind 127.0.0.1 --port "$PORT" --plaintext-port 0 >"$WORK/chatd.log" 2>&1 &
CHATD_PID=$!
wait_until 10 "chatd printed its port" grep -q '(server key SHA256:' "$WORK/chatd.log"
PLAIN_PORT=$(grep -m1 '^listening on .*(plaintext' "$WORK/chatd.log" | sed 's/ (.*//; s/.*://')
grep -q "store: .*Read-only file system; relaying memory-only" "$WORK/chatd.log" ||
    fail "chatd did not say its store is read-only"
grep -c "store: " "$WORK/chatd.log" | grep -qx 1 || fail "more than one store line at start"

raw_connect watcher
wait_until 5 "welcome said store failing" grep -q '"type":"welcome".*"store":"failing"' "$WORK/raw.out"
wait_until 5 "joined said store failing" grep -q '"type":"joined".*"store":"failing"' "$WORK/raw.out"

start_reader
grep -q "cannot write its history to disk" "$WORK/reader.out" || fail "the client did not say the store fails"
say_lines writer "said while read-only 1" "said while read-only 2" "said while read-only 3"
wait_until 5 "the reader got what was said" grep -q '<writer> said while read-only 3$' "$WORK/reader.out"
exec 7>&-

# 3. Writable again: the three waiting messages are written.
nsenter -t "$CHATD_PID" -m mount -o remount,rw,bind "$STATE" || fail "remount rw"
wait_until 10 "chatd never wrote the waiting messages" grep -q "is written again; 3 waiting messages stored" "$WORK/chatd.log"
stop_chatd

# 4. A restart replays both what was stored before and what waited.
CHATD=$REAL_CHATD
PIN=yes
start_chatd "$PORT"
mkfifo "$WORK/late.in"
"$CHAT" --plain "127.0.0.1:$PORT" late < "$WORK/late.in" > "$WORK/late.out" 2>&1 &
BACKGROUND_PIDS+=($!)
exec 8> "$WORK/late.in"
for line in "<early> said before the disk went read-only" "<writer> said while read-only 1" "<writer> said while read-only 3"; do
    wait_until 10 "the replay after the restart lacks: $line" grep -qF -- "$line" "$WORK/late.out"
done
exec 8>&-
echo "PASS store_readonly"
