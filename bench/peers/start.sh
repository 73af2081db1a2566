#!/usr/bin/env bash
# Starts a benchmark peer IRC server (ngIRCd on 127.0.0.1:16667, InspIRCd on 127.0.0.1:16668) with the
# configs beside this script. Installs the Debian package if it is missing and stops any instance the
# package's own service started, so the port is free.
#   start.sh ngircd|inspircd [--fg|--bg] [--tls]
#   --fg (default) runs the server in the foreground; --bg starts it in the background, waits until
#   the port accepts connections and prints its pid on stdout.
#   --tls adds a TLS listener (ngIRCd 127.0.0.1:16697, InspIRCd 127.0.0.1:16698; ngircd-tls.conf and
#   inspircd-tls.conf): a key and self-signed certificate are made in a temporary directory, the
#   config is the plaintext one with the TLS part appended, and the directory is removed once the
#   server has read them (it listens). TLS_KEY=ed25519 (default, the key chatd makes), ecdsa (P-256)
#   or rsa (2048 bits) chooses the key.
# CPU=N pins the server to core N with taskset.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=${1:-}
mode=--fg
tls=no
for arg in "${@:2}"; do
    case "$arg" in
        --fg|--bg) mode=$arg ;;
        --tls) tls=yes ;;
        *) echo "usage: $0 ngircd|inspircd [--fg|--bg] [--tls]" >&2; exit 2 ;;
    esac
done

case "$name" in
    ngircd)   pkg=ngircd;   port=16667; tls_port=16697; conf="$here/ngircd.conf" ;;
    inspircd) pkg=inspircd; port=16668; tls_port=16698; conf="$here/inspircd.conf" ;;
    *) echo "usage: $0 ngircd|inspircd [--fg|--bg] [--tls]" >&2; exit 2 ;;
esac
plain_port=$port

tls_dir=""
cleanup() { if [ -n "$tls_dir" ]; then rm -rf "$tls_dir"; tls_dir=""; fi; }
trap cleanup EXIT
if [ "$tls" = yes ]; then
    tls_dir=$(mktemp -d "${TMPDIR:-/tmp}/chat-bench-$name-tls.XXXXXX")
    case "${TLS_KEY:-ed25519}" in
        ed25519) newkey=(-newkey ed25519) ;;
        ecdsa)   newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
        rsa)     newkey=(-newkey rsa:2048) ;;
        *) echo "$0: TLS_KEY is ed25519, ecdsa or rsa" >&2; exit 2 ;;
    esac
    openssl req -x509 "${newkey[@]}" -nodes -days 7 -subj "/CN=bench.$name.local" \
        -keyout "$tls_dir/key.pem" -out "$tls_dir/cert.pem" 2>/dev/null
    { cat "$conf"; echo; sed "s|@TLS_DIR@|$tls_dir|g" "$here/$name-tls.conf"; } > "$tls_dir/$name.conf"
    conf="$tls_dir/$name.conf"
    port=$tls_port
fi
case "$name" in
    ngircd)   cmd=(/usr/sbin/ngircd --nodaemon --passive --config "$conf") ;;
    inspircd) cmd=(/usr/sbin/inspircd --nofork --nopid --runasroot --config="$conf") ;;
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
for p in $(printf '%s\n' "${plain_port}" "$port" | sort -u); do
    if port_open "$p"; then
        echo "$0: port $p is already in use; stop whatever holds it first" >&2
        exit 1
    fi
done

# Run from the temporary directory, not the caller's (a checkout): a core file goes there. InspIRCd
# 3.15 with m_ssl_gnutls was seen to segfault in InspIRCd::Exit when stopped with SIGTERM.
cd "${TMPDIR:-/tmp}"

pin=()
if [ -n "${CPU:-}" ]; then pin=(taskset -c "$CPU"); fi

if [ "$mode" = "--fg" ]; then
    if [ -z "$tls_dir" ]; then exec "${pin[@]}" "${cmd[@]}"; fi
    # Not exec: the key's directory is removed when the server exits.
    "${pin[@]}" "${cmd[@]}"
    exit $?
fi

"${pin[@]}" "${cmd[@]}" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    if port_open "$port"; then
        # Open twice, 0.3 s apart: InspIRCd was seen to refuse connections on its TLS port just
        # after it first accepted one (the port re-bound while its modules load).
        sleep 0.3
        if port_open "$port" && kill -0 "$pid" 2>/dev/null; then echo "$pid"; exit 0; fi  # the EXIT trap removes the key's directory
    fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$0: $name exited at start" >&2; exit 1; fi
    sleep 0.1
done
echo "$0: $name did not open port $port within 10 s" >&2
kill "$pid" 2>/dev/null || true
exit 1
