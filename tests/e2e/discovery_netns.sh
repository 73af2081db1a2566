#!/usr/bin/env bash
# LAN discovery across network namespaces made here: a bridge in its own namespace with veth ports
# is the LAN. `chat` with no host in one namespace finds chatd in another and chats; with two chatd
# it lists both (and picks one by name, or from the full-screen list); an IPv6-only namespace finds
# them over link-local multicast; a namespace off the bridge finds nothing and says so within 2 s.
# Needs root (ip netns); exits 77 (skipped) without it. Namespaces are removed by name on every exit.
set -u
source "$(dirname "$0")/client_helpers.bash"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
    echo "skipped: network namespaces need root and iproute2"
    exit 77
fi

NS="cdisc$$"
NAMESPACES=()
NS_PIDS=()
netns_cleanup() {
    local pid ns
    # A backgrounded in_ns is a subshell whose child is chatd: kill the children first, by parent pid.
    for pid in "${NS_PIDS[@]}"; do pkill -KILL -P "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
}
trap 'st=$?; netns_cleanup; (exit $st); cleanup' EXIT

make_ns() {  # make_ns NAME: an empty namespace with lo up and no IPv6 address wait (DAD off)
    ip netns add "$NS-$1" || fail "ip netns add $NS-$1"
    NAMESPACES+=("$NS-$1")
    ip -n "$NS-$1" link set lo up
    ip netns exec "$NS-$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
}

# on_lan NAME [IPV4/24]: a namespace whose eth0 is a port of the bridge (IPv6 link-local always).
on_lan() {
    make_ns "$1"
    ip -n "$NS-sw" link add "p-$1" type veth peer name eth0 netns "$NS-$1" || fail "veth for $1"
    ip -n "$NS-sw" link set "p-$1" master br0 up
    [ -n "${2:-}" ] && ip -n "$NS-$1" addr add "$2" brd + dev eth0
    ip -n "$NS-$1" link set eth0 up
}

in_ns() { local n=$1; shift; ip netns exec "$NS-$n" "$@"; }

make_ns sw
ip -n "$NS-sw" link add br0 type bridge || fail "bridge"
ip -n "$NS-sw" link set br0 up
on_lan a 10.77.0.1/24
on_lan b 10.77.0.2/24
on_lan c 10.77.0.3/24
on_lan six            # IPv6 link-local only
make_ns lone          # not on the bridge: an interface with a broadcast address that reaches nobody
ip -n "$NS-lone" link add eth0 type veth peer name eth1  # both ends here: a cable to nowhere
ip -n "$NS-lone" addr add 10.78.0.1/24 brd + dev eth0
ip -n "$NS-lone" link set eth1 up
ip -n "$NS-lone" link set eth0 up

# start_ns_chatd NS NAME: chatd with its defaults (TCP and UDP 7667 on every interface) in NS.
start_ns_chatd() {
    : > "$WORK/$2.log"
    # Each chatd has its own state directory: a second one on the same directory refuses to start.
    in_ns "$1" "$CHATD" --name "$2" --state-dir "$WORK/state-$2" > "$WORK/$2.log" 2>&1 &
    NS_PIDS+=($!)
    wait_until 10 "chatd $2 answers discovery" grep -q 'discovery: answering on UDP port 7667 as "'"$2"'"' "$WORK/$2.log"
}

# open_ns_client NS WINDOW ARGS...: a full-screen chat in NS, in its own tmux window.
open_ns_client() {
    local ns=$1 name=$2
    shift 2
    local cmd="ip netns exec $NS-$ns env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $CHAT --trust-first-use $*; echo \$? > $WORK/$name.status; sleep 600"
    if ! tmx has-session -t e2e 2>/dev/null; then
        LANG=C.UTF-8 tmx new-session -d -s e2e -n "$name" -x 100 -y 30 "$cmd"
    else
        LANG=C.UTF-8 tmx new-window -d -t e2e -n "$name" "$cmd"
    fi
}

ms_now() { date +%s%3N; }

# --- one server: chat with no host finds it and chats, full screen and line mode.
start_ns_chatd a office
open_ns_client b bob --nick bob
expect_screen bob "you joined #lobby" 10
expect_screen bob 'found "office" at 10.77.0.1:7667 on this network' 5
grep -q "connect 10.77.0.2:" "$WORK/office.log" || fail "office never saw bob connect from 10.77.0.2"

# Line mode, no host and no nick: the login name, said on stderr, and where it connected.
login=$(id -un)
printf 'hello from c\n' | in_ns c timeout 20 "$CHAT" --trust-first-use --plain > "$WORK/c.out" 2> "$WORK/c.err"
status=$?
[ $status = 0 ] || fail "line mode with no host exited $status: $(cat "$WORK/c.err")"
grep -q "using your login name \"$login\"" "$WORK/c.err" || fail "no word about the login nick: $(cat "$WORK/c.err")"
grep -q 'found "office" at 10.77.0.1:7667' "$WORK/c.err" || fail "line mode did not say what it found: $(cat "$WORK/c.err")"
expect_screen bob "<$login> hello from c"

# --- two servers: both listed, line mode refuses to guess, --server picks, the full screen asks.
start_ns_chatd c lab
in_ns b timeout 10 "$CHAT" --trust-first-use --list > "$WORK/list.out" 2> "$WORK/list.err"
status=$?
[ $status = 0 ] || fail "chat --list exited $status: $(cat "$WORK/list.err")"
[ "$(wc -l < "$WORK/list.out")" = 2 ] || fail "chat --list did not print two lines: $(cat "$WORK/list.out")"
grep -qP '^lab\t10\.77\.0\.3\t7667\tSHA256:[A-Za-z0-9+/]{43}$' "$WORK/list.out" || fail "lab missing from the list: $(cat "$WORK/list.out")"
grep -qP '^office\t10\.77\.0\.1\t7667\tSHA256:[A-Za-z0-9+/]{43}$' "$WORK/list.out" || fail "office missing from the list: $(cat "$WORK/list.out")"

in_ns b timeout 10 "$CHAT" --trust-first-use --plain --nick dora < /dev/null > "$WORK/two.out" 2> "$WORK/two.err"
status=$?
[ $status = 2 ] || fail "line mode with two servers exited $status, not 2: $(cat "$WORK/two.err")"
grep -q "2 servers answered" "$WORK/two.err" || fail "no list on stderr: $(cat "$WORK/two.err")"
grep -q "lab" "$WORK/two.err" && grep -q "office" "$WORK/two.err" || fail "stderr does not name both: $(cat "$WORK/two.err")"
[ ! -s "$WORK/two.out" ] || fail "line mode printed on stdout before choosing: $(cat "$WORK/two.out")"

printf 'in the lab\n' | in_ns b timeout 20 "$CHAT" --trust-first-use --plain --server LAB --nick dora > "$WORK/pick.out" 2> "$WORK/pick.err"
status=$?
[ $status = 0 ] || fail "--server LAB exited $status: $(cat "$WORK/pick.err")"
grep -q "connect 10.77.0.2:" "$WORK/lab.log" || fail "lab never saw dora connect"
grep -q "#lobby <dora> in the lab" "$WORK/pick.out" || fail "dora's line did not come back from lab: $(cat "$WORK/pick.out")"

# The full-screen pick list: sorted by name (lab, office); Down then Enter picks office.
open_ns_client b erin --nick erin
expect_screen erin "2 chat servers answered on this network" 10
screen_of erin > "$WORK/picklist.screen"
screen_has erin "1. lab      10.77.0.3:7667" || fail "the pick list does not show lab first"
screen_has erin "2. office" || fail "the pick list does not show office"
press erin Down
press erin Enter
expect_screen erin "you joined #lobby" 10
expect_screen bob "erin joined" 10
# Ctrl-C in the pick list is an interruption (130), q a choice not to connect (1).
open_ns_client b fred --nick fred
expect_screen fred "2 chat servers answered on this network" 10
press fred C-c
wait_until 10 "chat left the pick list on Ctrl-C" test -s "$WORK/fred.status"
[ "$(cat "$WORK/fred.status")" = 130 ] || fail "Ctrl-C in the pick list exited $(cat "$WORK/fred.status"), not 130"
open_ns_client b gina --nick gina
expect_screen gina "2 chat servers answered on this network" 10
press gina q
wait_until 10 "chat left the pick list on q" test -s "$WORK/gina.status"
[ "$(cat "$WORK/gina.status")" = 1 ] || fail "q in the pick list exited $(cat "$WORK/gina.status"), not 1"

# --- an announced key that disagrees with the user's pin is said, and not connected to.
known="$XDG_DATA_HOME/chat/known_servers"
grep -q '^10\.77\.0\.1:7667 SHA256:' "$known" || fail "office was not pinned by the clients that used it: $(cat "$known")"
cp "$known" "$WORK/known.good"
sed -i 's|^10\.77\.0\.1:7667 SHA256:.*|10.77.0.1:7667 SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|' "$known"
connects_before=$(grep -c "connect 10.77.0.2:" "$WORK/office.log")
in_ns b timeout 10 "$CHAT" --plain --server office --nick mallory < /dev/null > "$WORK/spoof.out" 2> "$WORK/spoof.err"
status=$?
[ $status = 1 ] || fail "a disagreeing announced key: exited $status, not 1: $(cat "$WORK/spoof.err")"
grep -q 'announces the key SHA256:.*but line [0-9]* of .*known_servers pins SHA256:AAAA.*does not connect' "$WORK/spoof.err" ||
    fail "no word about the disagreeing key: $(cat "$WORK/spoof.err")"
[ "$(grep -c "connect 10.77.0.2:" "$WORK/office.log")" = "$connects_before" ] || fail "chat connected to office anyway"
in_ns b timeout 10 "$CHAT" --list > "$WORK/spoof_list.out" 2> "$WORK/spoof_list.err"
grep -q '"office" at 10.77.0.1:7667 announces the key' "$WORK/spoof_list.err" ||
    fail "chat --list did not flag office's key: $(cat "$WORK/spoof_list.err")"
[ "$(wc -l < "$WORK/spoof_list.out")" = 2 ] || fail "chat --list's own lines changed: $(cat "$WORK/spoof_list.out")"
cp "$WORK/known.good" "$known"

# --- IPv6 only: the answers come over link-local multicast, and chat connects to fe80::...%eth0.
in_ns six timeout 10 "$CHAT" --trust-first-use --list > "$WORK/six.out" 2> "$WORK/six.err"
grep -qP '^office\tfe80::[0-9a-f:]+%eth0\t7667\tSHA256:[A-Za-z0-9+/]{43}$' "$WORK/six.out" || fail "IPv6-only: office not listed by link-local address: $(cat "$WORK/six.out" "$WORK/six.err")"
printf 'over link-local\n' | in_ns six timeout 20 "$CHAT" --trust-first-use --plain --server office --nick six > "$WORK/six2.out" 2> "$WORK/six2.err"
status=$?
[ $status = 0 ] || fail "IPv6-only client exited $status: $(cat "$WORK/six2.err")"
expect_screen bob "<six> over link-local"
screen_of bob > "$WORK/bob.screen"

# --- a chatd started with --no-announce is not found (and says so in its log).
: > "$WORK/hidden.log"
in_ns six "$CHATD" --no-announce --name hidden > "$WORK/hidden.log" 2>&1 &
NS_PIDS+=($!)
wait_until 10 "the hidden chatd started" grep -q "discovery: off (--no-announce)" "$WORK/hidden.log"
in_ns b timeout 10 "$CHAT" --list > "$WORK/list2.out" 2>&1
grep -q "hidden" "$WORK/list2.out" && fail "a --no-announce server was listed: $(cat "$WORK/list2.out")"
[ "$(wc -l < "$WORK/list2.out")" = 2 ] || fail "the list changed with a --no-announce server: $(cat "$WORK/list2.out")"

# --- off the bridge: nothing answers, and chat says so within 2 s instead of hanging.
t0=$(ms_now)
in_ns lone timeout 10 "$CHAT" --trust-first-use --plain --nick nobody < /dev/null > "$WORK/lone.out" 2> "$WORK/lone.err"
status=$?
elapsed=$(( $(ms_now) - t0 ))
[ $status = 1 ] || fail "nothing found exited $status, not 1: $(cat "$WORK/lone.err")"
[ $elapsed -lt 2000 ] || fail "nothing found took ${elapsed} ms (limit 2000)"
grep -q "discovery found no server on this network" "$WORK/lone.err" || fail "no fallback line: $(cat "$WORK/lone.err")"
grep -q "connect with chat HOST" "$WORK/lone.err" || fail "the fallback does not say how to connect by host"
[ "$(wc -l < "$WORK/lone.err")" = 1 ] || fail "the fallback is not one line: $(cat "$WORK/lone.err")"
t0=$(ms_now)
in_ns lone timeout 10 "$CHAT" --trust-first-use --list > /dev/null 2> "$WORK/lone_list.err"
status=$?
[ $status = 1 ] || fail "chat --list with nothing found exited $status"
[ $(( $(ms_now) - t0 )) -lt 2000 ] || fail "chat --list with nothing found took too long"
echo "ok: found, chatted, listed two, picked by name and from the list, IPv6 link-local, nothing found in ${elapsed} ms"
