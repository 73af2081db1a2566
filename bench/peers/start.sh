#!/usr/bin/env bash
# Starts a benchmark peer IRC server (ngIRCd on 127.0.0.1:16667, InspIRCd on 127.0.0.1:16668) with the
# configs beside this script. Installs the Debian package if it is missing and stops any instance the
# package's own service started, so the port is free.
#   start.sh ngircd|inspircd [--fg|--bg]
#   --fg (default) runs the server in the foreground (exec); --bg starts it in the background, waits
#   until the port accepts connections and prints its pid on stdout.
# CPU=N pins the server to core N with taskset.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=${1:-}
mode=${2:---fg}

case "$name" in
    ngircd)   pkg=ngircd;   port=16667; cmd=(/usr/sbin/ngircd --nodaemon --passive --config "$here/ngircd.conf") ;;
    inspircd) pkg=inspircd; port=16668; cmd=(/usr/sbin/inspircd --nofork --nopid --runasroot --config="$here/inspircd.conf") ;;
    *) echo "usage: $0 ngircd|inspircd [--fg|--bg]" >&2; exit 2 ;;
esac

if [ ! -x "${cmd[0]}" ]; then
    echo "installing $pkg" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "$pkg" >&2 || { apt-get update >&2 && apt-get install -y "$pkg" >&2; }
fi

# The package may have started its own instance (on other ports, but it holds resources and CPU).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$pkg" 2>/dev/null; then
    systemctl stop "$pkg" >&2 || true
fi
service "$pkg" stop >/dev/null 2>&1 || true
for pidfile in /run/ngircd/ngircd.pid /run/inspircd/inspircd.pid /var/run/ngircd/ngircd.pid /var/run/inspircd/inspircd.pid; do
    if [ -r "$pidfile" ]; then
        pid=$(cat "$pidfile")
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    fi
done

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_open "$port"; then
    echo "$0: port $port is already in use; stop whatever holds it first" >&2
    exit 1
fi

pin=()
if [ -n "${CPU:-}" ]; then pin=(taskset -c "$CPU"); fi

if [ "$mode" = "--fg" ]; then
    exec "${pin[@]}" "${cmd[@]}"
fi

"${pin[@]}" "${cmd[@]}" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    if port_open "$port"; then echo "$pid"; exit 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$0: $name exited at start" >&2; exit 1; fi
    sleep 0.1
done
echo "$0: $name did not open port $port within 10 s" >&2
kill "$pid" 2>/dev/null || true
exit 1
