#!/usr/bin/env python3
"""A small chatd bot, written from docs/protocol.md alone (Python 3 standard library only).

    python3 echo_bot.py HOST PORT NICK ROOM PIN

PIN is the server key's fingerprint (SHA256:..., as `chatd --fingerprint` prints it): the bot
connects with TLS and refuses a server that presents another key. PIN `plaintext` connects without
TLS instead, to a server's --plaintext-port.

What it does:
  * registers with `hello`; if the nick is in use or owned by another key (`nick_in_use`,
    `nick_owned`) it retries as NICK_2, NICK_3, ...
  * joins ROOM (it also stays in #lobby, where every user starts);
  * in any room it is in, a message "!echo some text" is answered with "some text";
  * a private message starting with "!time" is answered, privately, with the server's time
    (the `ts` the server stamped on that private message);
  * answers the server's `ping` with `pong`;
  * on `rate_limited` waits for the bucket to refill and sends the same frame again;
  * exits 0 on `shutdown` or when the server closes the connection, and on Ctrl-C sends `quit`
    and waits for the server to close.

Everything printed goes through `safe()`, so nothing a peer sends can drive the terminal.

Frames that count against the rate limit (say, pm, join, nick, ...) are sent one at a time: the next
one leaves only once the server has answered the previous one, with its echo or with an error. That
way an `error` frame (which names the refused frame's type in `about`, not the frame itself) always
refers to the frame in flight, and a dropped frame is known exactly and can be sent again.
"""

import base64
import hashlib
import json
import select
import signal
import socket
import ssl
import sys
import time
import unicodedata
from collections import deque

PROTOCOL_VERSION = 1
NICK_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")


# --------------------------------------------------------------------------- the server's key

def _der(data, i):
    """The DER element at `i`: (tag, start of its content, end of its content)."""
    tag, n = data[i], data[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[i:i + k], "big")
        i += k
    return tag, i, i + n


def key_fingerprint(cert_der):
    """SHA256:<base64> of the certificate's SubjectPublicKeyInfo, as chatd and chat print it."""
    _, i, _ = _der(cert_der, 0)            # Certificate
    _, i, _ = _der(cert_der, i)            # TBSCertificate
    tag, _, end = _der(cert_der, i)
    if tag == 0xA0:                        # [0] version
        i = end
    for _ in range(5):                     # serialNumber, signature, issuer, validity, subject
        _, _, i = _der(cert_der, i)
    _, _, end = _der(cert_der, i)          # subjectPublicKeyInfo, tag and length included
    digest = hashlib.sha256(cert_der[i:end]).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def connect_pinned(host, port, pin):
    """A TLS connection whose server key is `pin` (no CA is involved), or a plain one for 'plaintext'."""
    raw = socket.create_connection((host, port))
    if pin == "plaintext":
        return raw
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE        # the key is checked below, against the pin
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sock = ctx.wrap_socket(raw)
    got = key_fingerprint(sock.getpeercert(binary_form=True))
    if got != pin:
        sock.close()
        raise Fatal("the server's key is %s, not the pinned %s: refusing to talk" % (got, pin))
    return sock


# --------------------------------------------------------------------------- terminal-safe output

def safe(value):
    """Return `value` as text that is harmless on a terminal.

    Control characters (C0, DEL, C1), format characters (bidi controls, zero-width characters),
    line/paragraph separators, surrogates, private-use and unassigned code points are shown as
    <U+XXXX> instead of being written raw.
    """
    out = []
    for ch in str(value):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append("<U+%04X>" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def log(*parts):
    print(" ".join(safe(p) for p in parts), flush=True)


def same_name(a, b):
    """Nicks and room names compare case-insensitively (ASCII only: that is their whole alphabet)."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def utc_text(ms):
    """Server timestamps are UTC milliseconds since the epoch."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + ".%03d UTC" % (ms % 1000)


# --------------------------------------------------------------------------- the bot

class Fatal(Exception):
    """Something the bot cannot work around (bad command line, server refuses it)."""


class EchoBot:
    def __init__(self, host, port, nick, room):
        self.host, self.port = host, port
        self.wanted_nick = nick          # what the user asked for
        self.nick = nick                 # what we are trying / what the server gave us
        self.nick_attempt = 1
        self.room = room
        self.registered = False
        self.limits = {"max_nick": 16, "rate": 5, "burst": 10, "max_text": 4096}
        self.sock = None
        self.pin = "plaintext"  # or the server key's SHA256:... fingerprint
        self.inbuf = b""
        self.outbox = deque()            # counted frames waiting to be sent, oldest first
        self.in_flight = None            # the counted frame sent and not yet answered
        self.resend_at = None            # monotonic time at which to resend after rate_limited
        self.rate_limited_in_a_row = 0
        self.quitting = False

    # ---------------------------------------------------------------- sending

    def send_now(self, frame):
        """Write one frame: one JSON object on one line. Non-ASCII is sent as UTF-8."""
        data = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        self.sock.sendall(data)

    def send_counted(self, frame):
        """Queue a frame that counts against the rate limit; see pump()."""
        self.outbox.append(frame)
        self.pump()

    def pump(self):
        """Send the next counted frame if none is waiting for its answer."""
        if self.in_flight is None and self.resend_at is None and self.outbox:
            self.in_flight = self.outbox.popleft()
            self.send_now(self.in_flight)

    def answered(self):
        """The frame in flight got its answer: move on to the next one."""
        self.in_flight = None
        self.rate_limited_in_a_row = 0
        self.pump()

    def is_answer(self, frame):
        """Is this server frame the success answer to the counted frame in flight?"""
        sent = self.in_flight
        if sent is None:
            return False
        kind, t = sent["type"], frame.get("type")
        if kind == "say":
            return (t == "message" and not frame.get("history") and same_name(frame.get("from"), self.nick)
                    and same_name(frame.get("room"), sent["room"]))
        if kind == "pm":
            return t == "pm" and same_name(frame.get("from"), self.nick) and same_name(frame.get("to"), sent["to"])
        if kind == "join":
            return t == "joined" and same_name(frame.get("room"), sent["room"])
        return False

    def retry_nick(self):
        """Next registration attempt: NICK_<n>, with NICK cut so that the whole fits max_nick."""
        suffix = "_%d" % self.nick_attempt
        self.nick = self.wanted_nick[: int(self.limits["max_nick"]) - len(suffix)] + suffix
        log("* trying the nick", self.nick)
        self.hello()

    def hello(self):
        self.send_now({"type": "hello", "version": PROTOCOL_VERSION, "nick": self.nick})

    # ---------------------------------------------------------------- receiving

    def on_frame(self, f):
        t = f.get("type")
        if self.is_answer(f):
            self.answered()

        if t == "welcome":
            self.registered = True
            self.nick = f.get("nick", self.nick)
            if isinstance(f.get("limits"), dict):
                self.limits.update(f["limits"])
            log("* connected to", f.get("server", "?"), "as", self.nick)
            # The server has already put us in its default room (#lobby); join ours unless it is that one.
            if not same_name(self.room, f.get("default_room", "#lobby")):
                self.send_counted({"type": "join", "room": self.room})

        elif t == "joined":
            members = f.get("members") or []
            log("* in %s (members: %s), topic: %s" % (safe(f.get("room")), safe(", ".join(map(str, members))),
                                                     safe(f.get("topic", ""))))

        elif t == "message":
            self.on_message(f)

        elif t == "pm":
            self.on_pm(f)

        elif t == "ping":
            # Answer with the same token; any frame counts as a sign of life, but pong is the polite one.
            pong = {"type": "pong"}
            if "token" in f:
                pong["token"] = f["token"]
            self.send_now(pong)

        elif t == "nick":
            if same_name(f.get("old"), self.nick):
                self.nick = f.get("new", self.nick)
            log("*", f.get("old"), "is now", f.get("new"))

        elif t in ("join", "part", "quit"):
            log("*", f.get("nick"), t, f.get("room", ""), f.get("reason", ""))

        elif t == "topic":
            log("* topic of", f.get("room"), "by", f.get("by", ""), ":", f.get("topic", ""))

        elif t == "error":
            self.on_error(f)

        elif t == "shutdown":
            # The server closes the connection next; read until it does, then exit.
            log("* server shutting down:", f.get("message", ""))
            self.quitting = True

        # Anything else (pong, rooms, who, frame types added later) needs nothing from a bot.

    def on_message(self, f):
        text, room = f.get("text"), f.get("room")
        if f.get("history") or f.get("action") or not isinstance(text, str):
            return                      # never answer old messages or emotes
        log("<%s> %s: %s" % (safe(room), safe(f.get("from")), safe(text)))
        if same_name(f.get("from"), self.nick):
            return                      # our own message coming back: never answer ourselves
        if text.startswith("!echo "):
            reply = text[len("!echo "):]
            if reply.strip():           # an empty text would only earn `empty_text`
                self.send_counted({"type": "say", "room": room, "text": reply})

    def on_pm(self, f):
        text, sender = f.get("text"), f.get("from")
        if not isinstance(text, str):
            return
        log("[pm] %s -> %s: %s" % (safe(sender), safe(f.get("to")), safe(text)))
        if same_name(sender, self.nick):
            return                      # the copy of a pm we sent
        if text.startswith("!time"):
            ts = f.get("ts")
            if isinstance(ts, int):
                reply = "server time: %s (%d ms)" % (utc_text(ts), ts)
            else:
                reply = "server time unknown"
            self.send_counted({"type": "pm", "to": sender, "text": reply})

    def on_error(self, f):
        code, about, message = f.get("code"), f.get("about"), f.get("message", "")
        log("! error", code, "(%s):" % about if about else ":", message)

        # --- before welcome: the registration itself was refused
        if not self.registered and code in ("nick_in_use", "nick_owned"):
            # In use now, or owned by another user's key: the connection stays open, so try again
            # with a numbered suffix.
            self.nick_attempt += 1
            self.retry_nick()
            return
        if not self.registered and code == "invalid_nick" and self.nick_attempt > 1 \
                and len(self.nick) > len("_%d" % self.nick_attempt) + 1:
            # Our suffixed nick is refused, so this server's max_nick (only announced in `welcome`)
            # must be shorter than we assumed: shorten by one and try the same suffix again.
            self.limits["max_nick"] = len(self.nick) - 1
            self.retry_nick()
            return
        if not self.registered and code in ("invalid_nick", "bad_version"):
            raise Fatal("the server refuses to register us: %s" % safe(message))

        # --- a counted frame in flight was refused
        sent = self.in_flight
        if sent is not None and about == sent["type"]:
            if code == "rate_limited":
                # The frame was dropped: wait for one token (1/rate s), then send the same frame again.
                # Wait a little longer each time in a row, in case other traffic keeps the bucket empty.
                self.rate_limited_in_a_row += 1
                rate = float(self.limits.get("rate") or 1)
                self.resend_at = time.monotonic() + self.rate_limited_in_a_row / rate
                self.outbox.appendleft(sent)
                self.in_flight = None
                return
            # Any other refusal is final for that frame: drop it and go on.
            self.in_flight = None
            if sent["type"] == "join" and same_name(sent["room"], self.room) and \
                    code in ("invalid_room", "too_many_rooms", "room_limit"):
                raise Fatal("cannot join %s: %s" % (safe(self.room), safe(message)))
            self.answered()
            return

        # --- errors that end the connection: the server closes it next, the read loop sees EOF.
        # (Being closed for flooding comes with no error frame of its own: the connection just ends.)
        if code in ("frame_too_long", "too_many_errors", "hello_timeout", "ping_timeout", "sendq_exceeded",
                    "server_full", "too_many_connections"):
            log("* the server is closing the connection")
            self.quitting = True
        # Anything else (bad_frame, unknown_type, ...) means this bot has a bug; it is logged above.

    # ---------------------------------------------------------------- main loop

    def connect(self):
        self.sock = connect_pinned(self.host, self.port, self.pin)
        self.hello()

    def loop(self):
        """Read and handle frames until the server closes the connection; returns the exit status."""
        while True:
            timeout = None
            if self.resend_at is not None:
                timeout = max(0.0, self.resend_at - time.monotonic())
            # Bytes TLS has already decrypted are not seen by select().
            pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0
            readable = [self.sock] if pending else select.select([self.sock], [], [], timeout)[0]
            if self.resend_at is not None and time.monotonic() >= self.resend_at:
                self.resend_at = None
                self.pump()
            if not readable:
                continue
            chunk = self.sock.recv(65536)
            if not chunk:
                log("* connection closed by the server")
                return 0
            self.inbuf += chunk
            while b"\n" in self.inbuf:
                line, self.inbuf = self.inbuf.split(b"\n", 1)
                line = line.rstrip(b"\r")
                if not line:
                    continue
                try:
                    frame = json.loads(line.decode("utf-8", errors="replace"))
                except ValueError:
                    log("! unreadable line from the server:", line[:200].decode("utf-8", "replace"))
                    continue
                if isinstance(frame, dict):
                    self.on_frame(frame)

    def quit(self, reason):
        """Say goodbye; the server answers by closing the connection, which loop() then sees."""
        if self.sock is not None and not self.quitting:
            self.quitting = True
            log("* leaving:", reason)
            try:
                self.send_now({"type": "quit", "reason": reason})
            except OSError:
                pass


def main(argv):
    if len(argv) != 6:
        print("usage: %s HOST PORT NICK ROOM PIN   (PIN: SHA256:... from chatd --fingerprint, or plaintext)"
              % argv[0], file=sys.stderr)
        return 2
    host, port, nick, room, pin = argv[1], argv[2], argv[3], argv[4], argv[5]
    if pin != "plaintext" and not pin.startswith("SHA256:"):
        print("invalid PIN: %s" % safe(pin), file=sys.stderr)
        return 2
    if not room.startswith("#"):
        room = "#" + room
    if not nick or not set(nick) <= NICK_ALPHABET or nick[0] in "-.":
        print("invalid nick: %s" % safe(nick), file=sys.stderr)
        return 2
    try:
        port = int(port)
    except ValueError:
        print("invalid port: %s" % safe(port), file=sys.stderr)
        return 2

    bot = EchoBot(host, port, nick, room)
    bot.pin = pin

    # SIGTERM behaves like Ctrl-C: leave politely.
    def on_sigterm(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_sigterm)

    try:
        bot.connect()
        while True:
            try:
                return bot.loop()
            except KeyboardInterrupt:
                if bot.quitting:
                    return 130          # a second interrupt: do not wait any longer
                # Send `quit`, then go back to reading until the server closes the connection.
                bot.quit("bot stopped")
    except Fatal as e:
        print("echo_bot: %s" % e, file=sys.stderr)
        bot.quit("giving up")
        return 1
    except OSError as e:
        print("echo_bot: %s" % safe(e), file=sys.stderr)
        return 1
    finally:
        if bot.sock is not None:
            bot.sock.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
