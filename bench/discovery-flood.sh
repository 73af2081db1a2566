#!/usr/bin/env bash
# What a discovery flood costs chatd: in a network namespace of its own, chatd with its defaults,
# then SECONDS (default 5) of valid 512-byte queries as fast as one Python sender can go. Prints the
# datagrams sent, the answers and answer bytes that came back, and chatd's CPU time over the flood.
# Usage: bench/discovery-flood.sh BUILD_DIR [SECONDS]   (root: ip netns)
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [SECONDS]}
secs=${2:-5}
ns="cflood$$"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$build/server/chatd" --port 0 --name flood > "$work/chatd.log" 2>&1 &
pid=$!
until grep -q 'discovery: answering' "$work/chatd.log"; do sleep 0.05; done
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
before=$(ticks)
ip netns exec "$ns" python3 - "$secs" <<'PY'
import json, socket, sys, time
secs = float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
q = json.dumps({"type": "discover", "version": 1, "id": "flood"}).ljust(512).encode()
sent = got = got_bytes = 0
end = time.monotonic() + secs
while time.monotonic() < end:
    for _ in range(200):
        try:
            s.sendto(q, ("127.0.0.1", 7667)); sent += 1
        except BlockingIOError:
            pass
    while True:
        try:
            got_bytes += len(s.recv(2048)); got += 1
        except BlockingIOError:
            break
print(f"sent {sent} queries ({sent * len(q)} bytes) in {secs:g} s; {got} answers ({got_bytes} bytes) came back")
PY
after=$(ticks)
hz=$(getconf CLK_TCK)
echo "chatd CPU over the flood: $(( (after - before) * 1000 / hz )) ms (user+system)"
