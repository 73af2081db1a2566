#!/usr/bin/env bash
# DNS-SD through avahi-daemon: in a network and mount namespace of its own (a private /run, so a
# private system bus and avahi-daemon, whatever runs on the machine), chatd started before the
# daemon says so in one line and publishes _chatd._tcp once the daemon appears; avahi-browse then
# lists it with its port and TXT record; a second chatd of the same name publishes under Avahi's
# alternative name. Needs root, dbus-daemon and avahi-daemon; exits 77 (skipped) without them.
set -u
source "$(dirname "$0")/client_helpers.bash"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v unshare >/dev/null ||
   ! command -v dbus-daemon >/dev/null || ! command -v avahi-daemon >/dev/null || ! command -v avahi-browse >/dev/null; then
    echo "skipped: needs root, iproute2, unshare, dbus-daemon, avahi-daemon and avahi-browse"
    exit 77
fi

NS="cdnssd$$"
netns_cleanup() {
    local pid
    if [ -f "$WORK/pids" ]; then
        while read -r pid; do kill -KILL "$pid" 2>/dev/null; done < "$WORK/pids"
    fi
    ip netns del "$NS" 2>/dev/null
}
trap 'st=$?; netns_cleanup; (exit $st); cleanup' EXIT

ip netns add "$NS" || fail "ip netns add"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name eth1
ip -n "$NS" addr add 10.79.0.1/24 dev eth0
ip -n "$NS" link set eth0 up
ip -n "$NS" link set eth1 up

# Everything below runs inside the namespace, with /run private to it.
cat > "$WORK/inner.sh" <<'INNER'
set -u
fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done
    exit 1
}
wait_until() {  # as in client_helpers.bash
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -ge $deadline ] && fail "after ${limit}s: $what"
        sleep 0.05
    done
}
trap 'exit 1' INT TERM
# Stop and reap what this part started (the outer script kills the same pids if it never gets here).
stop_all() {
    local pid
    [ -f "$WORK/pids" ] || return 0
    while read -r pid; do kill "$pid" 2>/dev/null; done < "$WORK/pids"
    wait
}
trap 'st=$?; stop_all; exit $st' EXIT
mount -t tmpfs tmpfs /run || fail "private /run"
mkdir -p /run/dbus /run/avahi-daemon
started() { echo "$1" >> "$WORK/pids"; }

dbus-daemon --system --nofork --nopidfile > "$WORK/dbus.log" 2>&1 &
started $!
wait_until 10 "the private system bus is up" test -S /run/dbus/system_bus_socket

# chatd first: the daemon is not there yet.
"$CHATD" --port 0 --name office --state-dir "$WORK/state-office" > "$WORK/office.log" 2>&1 &
started $!
wait_until 10 "chatd said avahi-daemon is missing" grep -q "dns-sd: avahi-daemon is not running; publishing _chatd._tcp when it starts" "$WORK/office.log"
[ "$(grep -c 'dns-sd:' "$WORK/office.log")" = 1 ] || fail "more than one dns-sd line without the daemon: $(cat "$WORK/office.log")"
grep -q 'discovery: answering on UDP port 7667' "$WORK/office.log" || fail "UDP discovery is not answering meanwhile"

avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title > "$WORK/avahi.log" 2>&1 &
avahi_pid=$!
started $avahi_pid
wait_until 15 "chatd published once the daemon started" grep -q 'dns-sd: published "office" as _chatd._tcp' "$WORK/office.log"
port=$(grep -m1 '^listening on ' "$WORK/office.log" | sed 's/.*://')

browse() { timeout 5 avahi-browse -rpt _chatd._tcp > "$WORK/browse.out" 2>&1; grep -q "$1" "$WORK/browse.out"; }
wait_until 15 "avahi-browse lists office on port $port with version=1" browse "^=;[^;]*;IPv4;office;_chatd._tcp;local;[^;]*;10.79.0.1;$port;.*\"version=1\".*\$"

# The same name again: Avahi's alternative name, said in the log, and both listed.
"$CHATD" --port 0 --name office --state-dir "$WORK/state-office2" > "$WORK/office2.log" 2>&1 &
started $!
wait_until 15 "the second chatd published under another name" grep -q 'dns-sd: published "office #2" as _chatd._tcp' "$WORK/office2.log"
grep -q 'dns-sd: the name "office" is taken on this network; trying "office #2"' "$WORK/office2.log" || fail "the rename was not said: $(cat "$WORK/office2.log")"
# avahi-browse -p writes a space as \032 and '#' as \035.
wait_until 15 "avahi-browse lists office #2" browse ';office\\032\\0352;_chatd._tcp;'
# Both still answer UDP discovery.
"$CHAT" --list > "$WORK/list.out" 2>&1
[ "$(grep -c '^office' "$WORK/list.out")" = 2 ] || fail "chat --list does not show both servers: $(cat "$WORK/list.out")"

# The daemon restarts (an upgrade): chatd says so and publishes again once it is back.
kill "$avahi_pid"
wait "$avahi_pid" 2>/dev/null
wait_until 10 "chatd noticed the daemon went away" grep -q 'dns-sd: avahi-daemon went away; publishing again when it is back' "$WORK/office.log"
rm -f /run/avahi-daemon/pid
avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title > "$WORK/avahi2.log" 2>&1 &
started $!
published_twice() { [ "$(grep -c 'dns-sd: published "office" as _chatd._tcp' "$WORK/office.log")" -ge 2 ]; }
wait_until 15 "chatd published again after the daemon came back" published_twice
wait_until 15 "avahi-browse lists office again" browse "^=;[^;]*;IPv4;office;_chatd._tcp;local;[^;]*;10.79.0.1;$port;"
echo ok
INNER
WORK="$WORK" CHATD="$CHATD" CHAT="$CHAT" ip netns exec "$NS" unshare -m --propagation private \
    bash "$WORK/inner.sh" > "$WORK/inner.out" 2>&1
status=$?
[ $status = 0 ] || { cat "$WORK/inner.out"; fail "inside the namespace: status $status"; }
grep -qx ok "$WORK/inner.out" || fail "the namespace part did not finish: $(cat "$WORK/inner.out")"
echo "ok: published after the daemon started, listed by avahi-browse, renamed on a collision, published again after a daemon restart"
