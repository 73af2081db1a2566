# Shared by the client end-to-end scripts (sourced, not run): start chatd on an ephemeral port,
# drive chat clients in a private tmux server, and wait for screen contents with a deadline.
# Every wait polls a condition and fails naming what never happened.

BUILD=${1:?usage: $0 <build-dir>}
CHATD="$BUILD/server/chatd"
CHAT="$BUILD/client/chat"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/chat-e2e.XXXXXX")
TMUX_SOCKET="chat-e2e-$$"
CHATD_PID=""
BACKGROUND_PIDS=()  # other processes a script starts; killed on exit
# Everything lives in a private home, never the user's: chatd's key and message store
# ($XDG_STATE_HOME/chatd), chat's identity and pins, config and logs. No user's config file changes
# what a test sees.
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/.local/share" XDG_STATE_HOME="$WORK/home/.local/state"
export XDG_CONFIG_HOME="$WORK/home/.config"
mkdir -p "$HOME"
# chat's pins; start_chatd sets it again, for a script that moved XDG_DATA_HOME after sourcing this.
KNOWN_SERVERS="$XDG_DATA_HOME/chat/known_servers"

tmx() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }

cleanup() {
    local status=$?
    local pid
    for pid in "${BACKGROUND_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    # SIGCONT first: a test may have stopped chatd, and a stopped process never acts on SIGTERM.
    if [ -n "$CHATD_PID" ]; then kill -CONT "$CHATD_PID" 2>/dev/null; kill "$CHATD_PID" 2>/dev/null; wait "$CHATD_PID" 2>/dev/null; fi
    tmx kill-server 2>/dev/null
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCKET"
    if [ $status -ne 0 ]; then
        echo "--- work dir $WORK kept for inspection"
    else
        [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    for pane in $(tmx list-windows -a -F '#{window_name}' 2>/dev/null); do
        echo "--- screen of $pane:" >&2
        tmx capture-pane -p -t "=e2e:$pane" >&2 2>/dev/null
    done
    [ -f "$WORK/chatd.log" ] && { echo "--- chatd log:" >&2; tail -20 "$WORK/chatd.log" >&2; }
    exit 1
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_until() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -ge $deadline ] && fail "after ${limit}s: $what"
        sleep 0.05
    done
}

# start_reader: a line-mode `chat` as "reader" on the chatd at $PORT, its output in $WORK/reader.out;
# its stdin is a fifo held open on descriptor 7 (close 7 to end its input). Sets READER to its pid.
start_reader() {
    mkfifo "$WORK/reader.in"
    "$CHAT" --plain "127.0.0.1:$PORT" reader < "$WORK/reader.in" > "$WORK/reader.out" 2>&1 &
    READER=$!
    BACKGROUND_PIDS+=("$READER")
    exec 7> "$WORK/reader.in"
    wait_until 10 "the reader joined #lobby" grep -q "you joined #lobby" "$WORK/reader.out"
}

# start_chatd [PORT [FLAGS...]]: starts chatd on 127.0.0.1 (port 0 = ephemeral) and sets PORT (TLS),
# PLAIN_PORT (its --plaintext-port, for raw protocol clients) and FINGERPRINT (its key). Unless
# PIN=no, the key is pinned for chat clients as a user would with --trust.
start_chatd() {
    local want=${1:-0}
    shift
    [ -x "$CHATD" ] || fail "no chatd at $CHATD"
    : > "$WORK/chatd.log"  # exists before the first poll, whenever the child opens it
    "$CHATD" --bind 127.0.0.1 --port "$want" --plaintext-port 0 "$@" >"$WORK/chatd.log" 2>&1 &
    CHATD_PID=$!
    wait_until 10 "chatd printed its port" grep -q '(server key SHA256:' "$WORK/chatd.log"
    PORT=$(grep -m1 '^listening on ' "$WORK/chatd.log" | sed 's/.*://')
    PLAIN_PORT=$(grep -m1 '^listening on .*(plaintext' "$WORK/chatd.log" | sed 's/ (.*//; s/.*://')
    FINGERPRINT=$(grep -m1 -o 'server key SHA256:[A-Za-z0-9+/]*' "$WORK/chatd.log" | sed 's/server key //')
    KNOWN_SERVERS="$XDG_DATA_HOME/chat/known_servers"
    if [ "${PIN:-yes}" = yes ] && ! grep -qF "127.0.0.1:$PORT $FINGERPRINT" "$KNOWN_SERVERS" 2>/dev/null; then
        mkdir -p "$(dirname "$KNOWN_SERVERS")"
        echo "127.0.0.1:$PORT $FINGERPRINT" >> "$KNOWN_SERVERS"
    fi
}

stop_chatd() {
    kill "$CHATD_PID" 2>/dev/null
    wait "$CHATD_PID" 2>/dev/null
    CHATD_PID=""
}

# open_client NAME ARGS...: runs chat in its own tmux window, 100x30; the exit status goes to
# $WORK/NAME.status when the client ends.
open_client() {
    local name=$1
    shift
    local cmd="env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $CHAT $*; echo \$? > $WORK/$name.status.tmp; stty -a > $WORK/$name.stty; mv $WORK/$name.status.tmp $WORK/$name.status; sleep 600"
    if ! tmx has-session -t e2e 2>/dev/null; then
        LANG=C.UTF-8 tmx new-session -d -s e2e -n "$name" -x 100 -y 30 "$cmd"
    else
        LANG=C.UTF-8 tmx new-window -d -t e2e -n "$name" "$cmd"
    fi
    tmx set-option -t e2e -g default-size 100x30 >/dev/null 2>&1 || true
}

screen_of() { tmx capture-pane -p -t "=e2e:$1"; }
screen_has() { screen_of "$1" | grep -qF -- "$2"; }
screen_count() { screen_of "$1" | grep -cF -- "$2"; }

# type_line NAME TEXT: types TEXT literally into the client, then Enter.
type_line() {
    tmx send-keys -t "=e2e:$1" -l -- "$2"
    tmx send-keys -t "=e2e:$1" Enter
}

press() { tmx send-keys -t "=e2e:$1" "${@:2}"; }

expect_screen() {  # expect_screen NAME TEXT [SECONDS]
    wait_until "${3:-10}" "the screen of $1 never showed '$2'" screen_has "$1" "$2"
}

client_exited() { [ -f "$WORK/$1.status" ]; }

# The pid of the chat process running in window NAME.
client_pid() {
    local shell_pid
    shell_pid=$(tmx display-message -p -t "=e2e:$1" '#{pane_pid}')
    pgrep -P "$shell_pid" -f "$CHAT" | head -1
}

# CPU time (user + system, clock ticks) used so far by PID.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# A raw protocol client on fd 3 that discards what it receives (for floods and hostile frames).
raw_connect() {
    exec 3<>"/dev/tcp/127.0.0.1/$PLAIN_PORT" || fail "raw connection to chatd failed"
    printf '{"type":"hello","version":1,"nick":"%s"}\n' "$1" >&3
    cat <&3 > "$WORK/raw.out" &
    RAW_READER=$!
}
