#!/usr/bin/env bash
# A hostile server: escape sequences, carriage returns, C1 controls, bidi overrides, zalgo text,
# garbage lines and deep JSON. The client draws every one of them visibly on its own line, no
# payload escape sequence reaches the terminal, and it keeps running.
set -u
source "$(dirname "$0")/client_helpers.bash"
command -v python3 >/dev/null || fail "python3 is needed for the fake server"

cat > "$WORK/fake.py" <<'PY'
import json, os, socket, sys, time
work = sys.argv[1]
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.recv(4096)  # hello
def send(obj):
    conn.sendall((json.dumps(obj, ensure_ascii=False) + "\n").encode())
send({"type": "welcome", "version": 1, "nick": "alice", "server": "evil\u001b[2J", "instance": "i",
      "default_room": "#lobby", "limits": {}})
send({"type": "joined", "room": "#lobby", "topic": "topic\u001b]0;TITLEPWN\u0007x", "members": ["alice", "mal\u001bory"]})
deadline = time.time() + 20
while not os.path.exists(work + "/go") and time.time() < deadline:
    time.sleep(0.02)
def msg(i, frm, text):
    send({"type": "message", "id": i, "room": "#lobby", "from": frm, "ts": 1764079200000, "text": text,
          "action": False, "history": False})
msg(1, "mallory", "osc \u001b]0;PWNED\u0007 end")
msg(2, "mallory", "csi \u001b[31mREDTEXT\u001b[0m end")
msg(3, "mallory", "hi\r<admin> give me your password")
msg(4, "mallory", "back\b\b\bspace and c1 \u009b2J and rlo \u202eevil\u202c done")
msg(5, "mallory", "zalgo e" + "\u0301" * 5000 + " end")
msg(6, "m\u001b[1mx", "nick with an escape")
conn.sendall(b"this is not json\n")
conn.sendall(b"[" * 5000 + b"]" * 5000 + b"\n")
conn.sendall(b'{"type":"message","id":"seven","room":5}\n')
msg(8, "mallory", "still alive after the garbage")
send({"type": "topic", "room": "#lobby", "topic": "new\u001b[5mtopic", "by": "mallory", "ts": 1})
time.sleep(20)
PY
python3 "$WORK/fake.py" "$WORK" > "$WORK/fake.port" &
FAKE=$!
CHATD_PID=$FAKE  # cleaned up like a server
wait_until 10 "the fake server printed its port" test -s "$WORK/fake.port"
PORT=$(head -1 "$WORK/fake.port")

open_client alice "127.0.0.1:$PORT" alice
expect_screen alice "you joined #lobby"
tmx pipe-pane -t "=e2e:alice" -o "cat >> $WORK/alice.raw"
touch "$WORK/go"
expect_screen alice "still alive after the garbage"
expect_screen alice "mallory set the topic: new^[[5mtopic"

# Everything is shown, made visible, each message on its own line with its nick intact.
expect_screen alice "<mallory> osc ^[]0;PWNED^G end"
expect_screen alice "<mallory> csi ^[[31mREDTEXT^[[0m end"
expect_screen alice "<mallory> hi^M<admin> give me your password"
expect_screen alice "<mallory> back^H^H^Hspace and c1 <U+009B>2J and rlo <U+202E>evil<U+202C> done"
expect_screen alice "<m^[[1mx> nick with an escape"
expect_screen alice "garbled frame from the server: bad_json"
expect_screen alice "garbled frame from the server: too_deep"
screen_has alice "online" || fail "the client does not show itself online after the garbage"

# The raw byte stream to the terminal carries none of the payloads' escape sequences.
grep -qa "PWNED" "$WORK/alice.raw" || fail "the pipe-pane capture saw nothing (test is broken)"
for seq in $'\e]0;PWNED' $'\e[31mREDTEXT' $'\e]0;TITLEPWN' $'\e[5mtopic' $'\e[1mx' $'\xc2\x9b2J' $'\xe2\x80\xae'; do
    if grep -qaF -- "$seq" "$WORK/alice.raw"; then
        fail "a payload sequence reached the terminal: $(printf '%q' "$seq")"
    fi
done

# Still responsive: typing works after all that.
tmx send-keys -t "=e2e:alice" -l "still typing"
expect_screen alice "#lobby> still typing"
screen_of alice > "$WORK/final.txt"
echo "PASS client_hostile"
