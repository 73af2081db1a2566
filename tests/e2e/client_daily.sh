#!/usr/bin/env bash
# A daily user's client, end to end in tmux: the config file's rooms and timestamp take effect, a
# broken config is one line and chat still starts, a mention rings the bell (tmux's window_bell_flag)
# and sends a desktop notification, logs appear on disk with the lines said, /away's reason comes
# back to a sender and shows in /who, /ignore hides a nick and is saved in the config file.
set -u
source "$(dirname "$0")/client_helpers.bash"

# Every client's files under the test's own directory (inherited by the tmux server).
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" HOME="$WORK/home"
mkdir -p "$XDG_CONFIG_HOME/chat" "$HOME"
cat > "$XDG_CONFIG_HOME/chat/config" <<'TOML'
# alice's settings
[server]
rooms = ["#daily"]
[look]
timestamp = "%H.%M.%S"
TOML
printf '[notify]\nlevel = "loud"\n' > "$WORK/broken.toml"
printf '# no settings\n' > "$WORK/empty.toml"

"$CHAT" --help | grep -qF "config file: $XDG_CONFIG_HOME/chat/config" || fail "--help does not list the config file's path"

start_chatd
open_client alice "127.0.0.1:$PORT" alice
# Joined from the config file, and the time in the config's format.
expect_screen alice "you joined #daily"
wait_until 10 "alice's lines show the %H.%M.%S time" bash -c "tmux -L $TMUX_SOCKET capture-pane -p -t =e2e:alice | grep -qE '^[0-9]{2}\.[0-9]{2}\.[0-9]{2} -- you joined #daily'"
open_client bob --no-log --config "$WORK/empty.toml" "127.0.0.1:$PORT" bob
expect_screen bob "you joined #lobby"
type_line bob "/join #daily"
expect_screen alice "bob joined"

# A broken config file: one line naming file, line and problem; chat starts with the defaults.
open_client carol --no-log --config "$WORK/broken.toml" "127.0.0.1:$PORT" carol
expect_screen carol "$WORK/broken.toml:2: notify.level must be"
expect_screen carol "(using the defaults)"
expect_screen carol "you joined #lobby"
type_line carol "/join #daily"
expect_screen alice "carol joined"

# /away: the reason comes back to whoever writes, and shows in /who.
type_line alice "/away lunch break"
expect_screen alice "you are marked away: lunch break"
type_line bob "/msg alice are you there"
expect_screen bob "alice is away: lunch break"
type_line bob "/who #daily"
expect_screen bob "alice (away: lunch break)"
type_line alice "/back"
expect_screen alice "you are back"

# A mention rings the bell and sends OSC 777 (through tmux's passthrough); alice's window is not
# the one on screen, so tmux raises its bell flag.
tmx pipe-pane -t "=e2e:alice" -o "cat >> $WORK/alice.raw"
bell_flag() { [ "$(tmx display-message -p -t =e2e:alice '#{window_bell_flag}')" = 1 ]; }
# bob's private message rings alice's bell: tmux raises the window's bell flag.
wait_until 10 "bob's private message did not ring alice's bell" bell_flag
# From here alice's raw output is recorded: the mention must ring again there.
type_line bob "alice: ping from bob"
expect_screen alice "<bob> alice: ping from bob"
wait_until 10 "the mention did not ring alice's bell (no BEL in her output)" grep -qaF $'\a' "$WORK/alice.raw"
wait_until 10 "no OSC 777 notification in alice's output" grep -qaF "777;notify;chat: #daily;<bob> alice: ping from bob" "$WORK/alice.raw"

# Logs on disk, per window, with dates.
log="$XDG_DATA_HOME/chat/logs/127.0.0.1:$PORT/#daily.log"
wait_until 10 "alice's #daily log has bob's line" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} <bob> alice: ping from bob$' "$log"
[ "$(stat -c %a "$log")" = 600 ] || fail "the log is not private (mode $(stat -c %a "$log"))"
wait_until 10 "alice's log of the conversation with bob" grep -qF "<bob> are you there" "$XDG_DATA_HOME/chat/logs/127.0.0.1:$PORT/bob.log"
# Only alice logs here (bob and carol run with --no-log).
[ "$(ls "$XDG_DATA_HOME/chat/logs/127.0.0.1:$PORT" | sort | tr '\n' ' ')" = "#daily.log #lobby.log bob.log " ] ||
    fail "unexpected log files: $(ls "$XDG_DATA_HOME/chat/logs/127.0.0.1:$PORT")"

# /ignore hides bob (room lines and private ones) and is saved in the config file.
type_line alice "/ignore bob"
expect_screen alice "ignoring bob"
grep -qF 'nicks = ["bob"]' "$XDG_CONFIG_HOME/chat/config" || fail "/ignore was not saved in the config file"
grep -qF "# alice's settings" "$XDG_CONFIG_HOME/chat/config" || fail "saving /ignore lost the file's comments"
type_line bob "words alice must not see"
expect_screen bob "<bob> words alice must not see"
type_line bob "/msg alice nor this"
type_line carol "carol after bob"
expect_screen alice "<carol> carol after bob"
screen_has alice "must not see" && fail "an ignored nick's line was shown"
screen_has alice "nor this" && fail "an ignored nick's private message was shown"
type_line alice "/unignore bob"
expect_screen alice "no longer ignoring bob"
type_line bob "visible again"
expect_screen alice "<bob> visible again"

# Tab completes commands and rooms, cycling on the next Tab.
tmx send-keys -t "=e2e:alice" -l "/n"
press alice Tab
expect_screen alice "#daily> /nick"
press alice Tab
expect_screen alice "#daily> /notify"
press alice C-u
tmx send-keys -t "=e2e:alice" -l "/join #"
press alice Tab
expect_screen alice "#daily> /join #daily"
press alice Tab
expect_screen alice "#daily> /join #lobby"
press alice C-u

type_line alice "/quit"
wait_until 10 "alice exited" client_exited alice
[ "$(cat "$WORK/alice.status")" = 0 ] || fail "alice exited with $(cat "$WORK/alice.status")"
echo "client_daily: OK"
