// The chat core without sockets: fake participants record what the dispatcher delivers to them.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dispatcher.hpp"
#include "protocol.hpp"

namespace {

using chat::json;
using clk = chat::dispatcher::clock;

// A peer that keeps every frame it is sent, decoded, and whether it was told to close.
class fake_peer : public chat::participant {
public:
    void put(const chat::line_ptr& line) override {
        REQUIRE(!line->empty());
        REQUIRE(line->back() == '\n');
        auto r = chat::decode(std::string_view(*line).substr(0, line->size() - 1), 16);
        REQUIRE_MESSAGE(r, "the dispatcher sent an undecodable line: " << *line);
        frames.push_back(std::move(r.value->body));
        raw.push_back(line);
    }
    void close_after_flush(std::string_view reason) override {
        closed = true;
        close_reason = reason;
    }

    // Takes the oldest frame not yet looked at; fails if there is none.
    json take() {
        REQUIRE_MESSAGE(!frames.empty(), "expected a frame, got none");
        json f = std::move(frames.front());
        frames.pop_front();
        return f;
    }
    // Drops frames up to and including the first of `type`; fails if none came.
    json take(const std::string& type) {
        while (!frames.empty()) {
            json f = take();
            if (f["type"] == type) return f;
        }
        FAIL("no \"" << type << "\" frame was delivered");
        return {};
    }
    json error(const std::string& code) {
        json f = take("error");
        CHECK(f["code"] == code);
        return f;
    }
    std::size_t count(const std::string& type) const {
        std::size_t n = 0;
        for (const auto& f : frames) n += f["type"] == type;
        return n;
    }
    void clear() { frames.clear(); }

    std::deque<json> frames;
    std::vector<chat::line_ptr> raw;
    bool closed = false;
    std::string close_reason;
};

struct fixture {
    explicit fixture(chat::limits l = no_rate()) : lim(l), d(lim, "feedc0de") {}

    static chat::limits no_rate() {
        chat::limits l;
        l.rate = 0;
        return l;
    }

    void send(fake_peer& p, const json& frame) { d.on_line(p, frame.dump(), now); }
    void send_raw(fake_peer& p, std::string_view line) { d.on_line(p, line, now); }

    // Registers `p` and forgets the welcome burst.
    void hello(fake_peer& p, const std::string& nick) {
        send(p, {{"type", "hello"}, {"version", 1}, {"nick", nick}});
        REQUIRE_MESSAGE(p.chat().registered, nick << " was not registered");
        p.clear();
    }

    chat::limits lim;
    chat::dispatcher d;
    clk::time_point now = clk::now();
};

}  // namespace

TEST_CASE("hello answers welcome with the limits, then joined #lobby") {
    fixture fx;
    fake_peer a;
    fx.send(a, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    json w = a.take();
    CHECK(w["type"] == "welcome");
    CHECK(w["nick"] == "alice");
    CHECK(w["version"] == 1);
    CHECK(w["instance"] == "feedc0de");
    CHECK(w["default_room"] == "#lobby");
    CHECK(w["limits"]["max_text"] == fx.lim.max_text);
    CHECK(w["limits"]["burst"] == 10);
    json j = a.take();
    CHECK(j["type"] == "joined");
    CHECK(j["room"] == "#lobby");
    CHECK(j["members"] == json::array({"alice"}));
    CHECK(j["history"] == 0);
    CHECK(a.frames.empty());

    fake_peer b;
    fx.hello(b, "bob");
    json notice = a.take("join");
    CHECK(notice["nick"] == "bob");
    CHECK(notice["room"] == "#lobby");
}

TEST_CASE("frames before hello are refused; bad version closes") {
    fixture fx;
    fake_peer a;
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "hi"}});
    CHECK(a.error("not_registered")["about"] == "say");
    // ping is answered before hello; nothing else is.
    fx.send(a, {{"type", "ping"}, {"token", 7}});
    CHECK(a.take("pong")["token"] == 7);
    CHECK_FALSE(a.closed);
    fx.send(a, {{"type", "hello"}, {"nick", "alice"}});
    CHECK(a.error("bad_frame")["message"].get<std::string>().find("version") != std::string::npos);
    fx.send(a, {{"type", "hello"}, {"version", "1"}, {"nick", "alice"}});
    a.error("bad_frame");
    CHECK_FALSE(a.closed);
    fx.send(a, {{"type", "hello"}, {"version", 2}, {"nick", "alice"}});
    a.error("bad_version");
    CHECK(a.closed);
}

TEST_CASE("nick rules: invalid, reserved, case-insensitive uniqueness, retry after nick_in_use") {
    fixture fx;
    fake_peer a, b;
    fx.hello(a, "Alice");
    for (const char* bad : {"", "-x", ".x", "a b", "\xd0\xb5van", "adm\xe2\x80\xaenim", "ADMIN", "server",
                            "seventeen-chars-x"}) {
        fx.send(b, {{"type", "hello"}, {"version", 1}, {"nick", bad}});
        CHECK_MESSAGE(b.take()["code"] == "invalid_nick", "nick \"" << bad << "\" was accepted");
    }
    fx.send(b, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    CHECK(b.error("nick_in_use")["nick"] == "alice");
    CHECK_FALSE(b.chat().registered);
    fx.hello(b, "bob");
    CHECK(fx.d.state().nick_count() == 2);

    // A second hello after welcome.
    fx.send(b, {{"type", "hello"}, {"version", 1}, {"nick", "bob2"}});
    b.error("already_registered");
}

TEST_CASE("nick change: notices reach everyone sharing a room exactly once; case change allowed") {
    fixture fx;
    fake_peer a, b, c, outsider;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    fx.hello(c, "carol");
    fx.send(a, {{"type", "join"}, {"room", "#x"}});
    fx.send(b, {{"type", "join"}, {"room", "#x"}});
    fx.send(outsider, {{"type", "hello"}, {"version", 1}, {"nick", "dave"}});
    fx.send(outsider, {{"type", "part"}, {"room", "#lobby"}});
    for (auto* p : {&a, &b, &c, &outsider}) p->clear();

    fx.send(a, {{"type", "nick"}, {"nick", "bob"}});
    a.error("nick_in_use");
    fx.send(a, {{"type", "nick"}, {"nick", "BOB"}});
    a.error("nick_in_use");

    fx.send(a, {{"type", "nick"}, {"nick", "ALICE"}});
    CHECK(a.count("nick") == 1);
    CHECK(b.count("nick") == 1);  // shares #lobby and #x, told once
    CHECK(c.count("nick") == 1);
    CHECK(outsider.count("nick") == 0);
    json n = b.take("nick");
    CHECK(n["old"] == "alice");
    CHECK(n["new"] == "ALICE");
    // The old spelling is free of the registry only as far as the new one holds it.
    fx.send(c, {{"type", "nick"}, {"nick", "alice"}});
    c.error("nick_in_use");
    fx.send(c, {{"type", "pm"}, {"to", "alice"}, {"text", "hi"}});
    CHECK(a.take("pm")["to"] == "ALICE");
}

TEST_CASE("rooms: join creates with the creator's spelling, case-insensitive, part frees, who and rooms") {
    fixture fx;
    fake_peer a, b;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    fx.send(a, {{"type", "join"}, {"room", "#Rust"}});
    json j = a.take("joined");
    CHECK(j["room"] == "#Rust");
    fx.send(b, {{"type", "join"}, {"room", "#rust"}});
    j = b.take("joined");
    CHECK(j["room"] == "#Rust");
    CHECK(j["members"] == json::array({"alice", "bob"}));
    CHECK(a.take("join")["nick"] == "bob");
    CHECK(fx.d.state().room_count() == 2);

    fx.send(b, {{"type", "who"}, {"room", "#RUST"}});
    CHECK(b.take("who")["members"] == json::array({"alice", "bob"}));
    fx.send(b, {{"type", "who"}, {"room", "#nope"}});
    b.error("no_such_room");
    fx.send(b, {{"type", "join"}, {"room", "rust"}});
    b.error("invalid_room");
    fx.send(b, {{"type", "join"}, {"room", "#" + std::string(33, 'r')}});
    b.error("invalid_room");

    fx.send(b, {{"type", "rooms"}});
    json rooms = b.take("rooms")["rooms"];
    REQUIRE(rooms.size() == 2);

    fx.send(a, {{"type", "part"}, {"room", "#rust"}, {"reason", "bye"}});
    json pa = a.take("part");
    CHECK(pa["nick"] == "alice");
    CHECK(pa["reason"] == "bye");
    CHECK(b.take("part")["nick"] == "alice");
    fx.send(a, {{"type", "part"}, {"room", "#rust"}});
    a.error("not_in_room");
    fx.send(b, {{"type", "part"}, {"room", "#rust"}});
    CHECK(fx.d.state().room_count() == 1);  // empty room freed
    // #lobby stays even when empty.
    fx.send(a, {{"type", "part"}, {"room", "#lobby"}});
    fx.send(b, {{"type", "part"}, {"room", "#lobby"}});
    CHECK(fx.d.state().room_count() == 1);
    CHECK(fx.d.state().lobby().empty());
}

TEST_CASE("room limits: per client and per server") {
    chat::limits l = fixture::no_rate();
    l.max_rooms_per_client = 3;
    l.max_rooms = 4;
    fixture fx(l);
    fake_peer a, b;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    fx.send(a, {{"type", "join"}, {"room", "#a"}});
    fx.send(a, {{"type", "join"}, {"room", "#b"}});
    a.clear();
    fx.send(a, {{"type", "join"}, {"room", "#c"}});
    a.error("too_many_rooms");
    fx.send(a, {{"type", "join"}, {"room", "#a"}});  // rejoining is not a new room
    a.take("joined");
    fx.send(b, {{"type", "join"}, {"room", "#c"}});
    b.take("joined");
    fx.send(b, {{"type", "join"}, {"room", "#d"}});
    b.error("room_limit");
    CHECK(fx.d.state().room_count() == 4);
}

TEST_CASE("say and me reach every member, sender included, with increasing ids; errors") {
    fixture fx;
    fake_peer a, b, c;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    fx.hello(c, "carol");
    fx.send(c, {{"type", "part"}, {"room", "#lobby"}});
    a.clear();
    b.clear();
    fx.send(a, {{"type", "say"}, {"room", "#LOBBY"}, {"text", "hi \"bob\" \\ \t \xf0\x9f\x91\x8b"}});
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "waves"}, {"action", true}, {"from", "bob"}});
    json m1 = b.take("message");
    json m2 = b.take("message");
    CHECK(m1["text"] == "hi \"bob\" \\ \t \xf0\x9f\x91\x8b");
    CHECK(m1["room"] == "#lobby");
    CHECK(m1["from"] == "alice");
    CHECK(m1["action"] == false);
    CHECK(m1["history"] == false);
    CHECK(m2["from"] == "alice");  // a forged "from" is ignored
    CHECK(m2["action"] == true);
    CHECK(m2["id"].get<std::int64_t>() > m1["id"].get<std::int64_t>());
    CHECK(a.count("message") == 2);
    CHECK(c.count("message") == 0);
    // One encoding shared by every recipient.
    CHECK(a.raw.back().get() == b.raw.back().get());

    fx.send(c, {{"type", "say"}, {"room", "#lobby"}, {"text", "x"}});
    c.error("not_in_room");
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", ""}});
    a.error("empty_text");
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", std::string(fx.lim.max_text + 1, 'x')}});
    a.error("text_too_long");
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "a\x1b[2Jb"}});
    a.error("bad_text");
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "line\rbreak"}});
    a.error("bad_text");
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", std::string(fx.lim.max_lines, '\n')}});
    a.error("too_many_lines");
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", 5}});
    CHECK(a.error("bad_frame")["message"].get<std::string>().find("text") != std::string::npos);
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "x"}, {"action", "yes"}});
    a.error("bad_frame");
    CHECK(b.count("message") == 0);
}

TEST_CASE("multiline: a say or pm of several lines is one message, relayed unchanged, one rate-limit token") {
    chat::limits l;
    l.rate = 1;
    l.burst = 2;
    l.max_lines = 3;
    fixture fx(l);
    fake_peer a, b;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    b.clear();
    const std::string block = "first line\n  /quit is text here\nthird";
    // The fast path and the JSON path read the same frame the same way.
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", block}});
    CHECK(b.take("message")["text"] == block);
    fx.send(a, {{"type", "pm"}, {"to", "bob"}, {"text", block}, {"action", false}, {"extra", 1}});
    CHECK(b.take("pm")["text"] == block);
    // Two frames used the burst of two: each block counted once, not once per line.
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "x"}});
    CHECK(a.error("rate_limited")["about"] == "say");
    fx.now += std::chrono::seconds(5);
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", block + "\nfourth"}});
    CHECK(a.error("too_many_lines")["message"].get<std::string>().find("3 lines") != std::string::npos);
    CHECK(b.count("message") == 0);
}

TEST_CASE("pm reaches both sides; unknown nick is refused") {
    fixture fx;
    fake_peer a, b, c;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    fx.hello(c, "carol");
    a.clear();
    b.clear();
    c.clear();
    fx.send(a, {{"type", "pm"}, {"to", "BOB"}, {"text", "psst"}, {"from", "carol"}});
    json got = b.take("pm");
    json echo = a.take("pm");
    CHECK(got == echo);
    CHECK(got["from"] == "alice");
    CHECK(got["to"] == "bob");
    CHECK(got["text"] == "psst");
    CHECK(c.frames.empty());
    fx.send(a, {{"type", "pm"}, {"to", "nobody"}, {"text", "x"}});
    CHECK(a.error("no_such_nick")["nick"] == "nobody");
    fx.send(a, {{"type", "pm"}, {"to", "bob"}, {"text", "\x7f"}});
    a.error("bad_text");
}

TEST_CASE("topic: set by a member, announced, asked for, checked") {
    fixture fx;
    fake_peer a, b;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    fx.send(a, {{"type", "topic"}, {"room", "#lobby"}});
    json t = a.take("topic");
    CHECK(t["topic"] == "");
    CHECK(t["by"] == "");
    fx.send(a, {{"type", "topic"}, {"room", "#lobby"}, {"topic", "hello all"}});
    CHECK(b.take("topic")["topic"] == "hello all");
    json mine = a.take("topic");
    CHECK(mine["by"] == "alice");
    fx.send(b, {{"type", "join"}, {"room", "#other"}});
    b.clear();
    fx.send(a, {{"type", "topic"}, {"room", "#other"}, {"topic", "x"}});
    a.error("not_in_room");
    fx.send(a, {{"type", "topic"}, {"room", "#lobby"}, {"topic", std::string(fx.lim.max_topic + 1, 't')}});
    a.error("topic_too_long");
    fx.send(a, {{"type", "topic"}, {"room", "#lobby"}, {"topic", "evil\xe2\x80\xae"}});
    a.error("bad_topic");
    fx.send(b, {{"type", "join"}, {"room", "#lobby"}});
    CHECK(b.take("joined")["topic"] == "hello all");
}

TEST_CASE("history: replayed on join marked history, bounded by count and bytes, filtered by since") {
    chat::limits l = fixture::no_rate();
    l.history = 3;
    fixture fx(l);
    fake_peer a, b;
    fx.hello(a, "alice");
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "m" + std::to_string(i)}});
        ids.push_back(a.take("message")["id"].get<std::int64_t>());
    }
    fx.send(b, {{"type", "hello"}, {"version", 1}, {"nick", "bob"}});
    CHECK(b.take("joined")["history"] == 3);
    REQUIRE(b.count("message") == 3);
    for (int i = 2; i < 5; ++i) {
        json m = b.take("message");
        CHECK(m["text"] == "m" + std::to_string(i));
        CHECK(m["history"] == true);
        CHECK(m["id"] == ids[static_cast<std::size_t>(i)]);
    }
    fx.send(b, {{"type", "join"}, {"room", "#lobby"}, {"since", ids[3]}});
    CHECK(b.take("joined")["history"] == 1);
    REQUIRE(b.count("message") == 1);
    CHECK(b.take("message")["id"] == ids[4]);
    fx.send(b, {{"type", "join"}, {"room", "#lobby"}, {"since", "x"}});
    b.error("bad_frame");

    // Bytes: the sendq/2 budget keeps only as many big messages as fit.
    chat::limits small = fixture::no_rate();
    small.sendq = 20000;
    small.max_text = 4000;
    fixture fy(small);
    fake_peer c, e;
    fy.hello(c, "carol");
    for (int i = 0; i < 10; ++i) {
        fy.send(c, {{"type", "say"}, {"room", "#lobby"}, {"text", std::string(3900, static_cast<char>('a' + i))}});
    }
    const auto& hist = fy.d.state().lobby().history();
    CHECK(fy.d.state().lobby().history_bytes() <= small.sendq / 2);
    CHECK(hist.size() == 2);
    fy.send(e, {{"type", "hello"}, {"version", 1}, {"nick", "erin"}});
    CHECK(e.count("message") == 2);
    json last;
    while (e.count("message") > 0) last = e.take("message");
    CHECK(last["text"] == std::string(3900, 'j'));
}

TEST_CASE("quit and leave: notices to everyone sharing a room once, nick and rooms freed") {
    fixture fx;
    fake_peer a, b, c;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    fx.hello(c, "carol");
    fx.send(a, {{"type", "join"}, {"room", "#x"}});
    fx.send(b, {{"type", "join"}, {"room", "#x"}});
    fx.send(c, {{"type", "part"}, {"room", "#lobby"}});
    b.clear();
    c.clear();
    fx.send(a, {{"type", "quit"}, {"reason", "bye\x1b"}});
    CHECK(a.closed);
    CHECK(b.count("quit") == 1);
    json q = b.take("quit");
    CHECK(q["nick"] == "alice");
    CHECK(q["reason"] == "quit: bye");
    CHECK(c.count("quit") == 0);
    CHECK(fx.d.state().room_count() == 2);
    fx.d.leave(a, "connection lost");  // a second leave changes nothing
    CHECK(b.frames.empty());
    fx.d.leave(b, "ping timeout");
    CHECK(fx.d.state().room_count() == 1);
    CHECK(fx.d.state().nick_count() == 1);
    fake_peer a2;
    fx.hello(a2, "alice");  // the nick is free again at once

    // Frames from a peer that has left are ignored.
    fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "ghost"}});
    CHECK(a2.frames.empty());
}

TEST_CASE("strikes: max_errors protocol refusals in a row close; a good frame resets the count") {
    chat::limits l = fixture::no_rate();
    l.max_errors = 4;
    fixture fx(l);
    fake_peer a;
    fx.hello(a, "alice");
    for (int i = 0; i < 3; ++i) fx.send_raw(a, "garbage");
    fx.send(a, {{"type", "ping"}});
    a.take("pong");
    fx.send_raw(a, "{\"type\":");
    fx.send_raw(a, "[1]");
    fx.send(a, {{"type", "nope"}});
    CHECK_FALSE(a.closed);
    a.clear();
    fx.send_raw(a, "{\"type\":\"say\",\"text\":\"x\xaa\"}");
    a.error("bad_utf8");
    a.error("too_many_errors");
    CHECK(a.closed);

    // Every protocol-level code the dispatcher can produce.
    fixture fy;
    fake_peer b;
    fy.hello(b, "bob");
    fy.send_raw(b, "{\"type\":\"say\"");
    b.error("bad_json");
    fy.send_raw(b, "[[[[[[[[[[1]]]]]]]]]]");
    b.error("too_deep");
    fy.send_raw(b, "{\"room\":1E400,\"type\":\"say\"}");
    b.error("bad_value");
    fy.send_raw(b, "{\"type\":7}");
    b.error("bad_frame");
    fy.send(b, {{"type", std::string(1000, 'z')}});
    CHECK(b.error("unknown_type")["about"].get<std::string>().size() <= 32);
}

TEST_CASE("rate limit: burst then refusals; 3x burst refusals in a row close as excess flood") {
    chat::limits l;
    l.rate = 1;
    l.burst = 3;
    fixture fx(l);
    fake_peer a, b;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    for (int i = 0; i < 5; ++i) fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "x"}});
    CHECK(b.count("message") == 3);
    CHECK(a.count("error") == 2);
    // Ping, who and rooms are not counted.
    fx.send(a, {{"type", "ping"}});
    CHECK(a.count("pong") == 1);
    // Two seconds later two more fit.
    fx.now += std::chrono::seconds(2);
    a.clear();
    b.clear();
    for (int i = 0; i < 3; ++i) fx.send(a, {{"type", "say"}, {"room", "#lobby"}, {"text", "x"}});
    CHECK(b.count("message") == 2);
    CHECK(a.error("rate_limited")["about"] == "say");
    // Keep flooding: 1 refusal so far; 9 in a row close the connection.
    for (int i = 0; i < 7; ++i) fx.send(a, {{"type", "nick"}, {"nick", "x" + std::to_string(i)}});
    CHECK_FALSE(a.closed);
    fx.send(a, {{"type", "join"}, {"room", "#y"}});
    CHECK(a.closed);
    CHECK(a.close_reason == "excess flood");
    // The last refusal is excess_flood, not one more rate_limited.
    REQUIRE_FALSE(a.frames.empty());
    CHECK(a.frames.back()["code"] == "excess_flood");
    CHECK(a.frames.back()["about"] == "join");
    CHECK(b.take("quit")["reason"] == "excess flood");
}

TEST_CASE("ping is answered with the same token; bad tokens refused") {
    fixture fx;
    fake_peer a;
    fx.hello(a, "alice");
    fx.send(a, {{"type", "ping"}, {"token", 42}});
    CHECK(a.take("pong")["token"] == 42);
    fx.send(a, {{"type", "ping"}, {"token", "abc"}});
    CHECK(a.take("pong")["token"] == "abc");
    fx.send(a, {{"type", "ping"}, {"token", json::array()}});
    a.error("bad_frame");
    fx.send(a, {{"type", "pong"}, {"token", 1}});
    CHECK(a.frames.empty());
}

TEST_CASE("shutdown: leaving peers cause no quit notices") {
    fixture fx;
    fake_peer a, b;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    a.clear();
    fx.d.begin_shutdown();
    fx.d.leave(b, "server shutdown");
    CHECK(a.frames.empty());
    CHECK(fx.d.state().nick_count() == 1);
}

TEST_CASE("away: the reason shows in who, and a pm to an away user gets it back once per absence") {
    fixture fx;
    fake_peer a, b, c;
    fx.send(a, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    json w = a.take("welcome");
    REQUIRE(w["features"].is_array());
    CHECK(std::find(w["features"].begin(), w["features"].end(), "away") != w["features"].end());
    CHECK(std::find(w["features"].begin(), w["features"].end(), "multiline") != w["features"].end());
    CHECK(w["limits"]["max_lines"] == 50);
    a.clear();
    fx.hello(b, "bob");
    fx.hello(c, "carol");
    a.clear();

    fx.send(b, {{"type", "away"}, {"reason", "lunch\x01 break"}});
    json ack = b.take("away");
    CHECK(ack["nick"] == "bob");
    CHECK(ack["away"] == true);
    CHECK(ack["reason"] == "lunch break");
    CHECK(a.frames.empty());  // nobody else is told; they see it in who

    fx.send(a, {{"type", "who"}, {"room", "#lobby"}});
    json who = a.take("who");
    CHECK(who["members"].size() == 3);
    CHECK(who["away"] == json{{"bob", "lunch break"}});

    fx.send(a, {{"type", "pm"}, {"to", "bob"}, {"text", "there?"}});
    a.take("pm");
    json told = a.take("away");
    CHECK(told["nick"] == "bob");
    CHECK(told["reason"] == "lunch break");
    fx.send(a, {{"type", "pm"}, {"to", "bob"}, {"text", "again"}});
    a.take("pm");
    CHECK(a.count("away") == 0);  // once per absence
    fx.send(c, {{"type", "pm"}, {"to", "BOB"}, {"text", "hi"}});
    CHECK(c.count("away") == 1);  // every sender hears it once
    c.clear();

    fx.send(b, {{"type", "away"}});
    json back = b.take("away");
    CHECK(back["away"] == false);
    CHECK(back["reason"] == "");
    fx.send(a, {{"type", "pm"}, {"to", "bob"}, {"text", "back?"}});
    CHECK(a.count("away") == 0);
    fx.send(a, {{"type", "who"}, {"room", "#lobby"}});
    CHECK(a.take("who")["away"] == json::object());

    // A new absence tells senders again; an empty reason means back, controls alone still mean away.
    fx.send(b, {{"type", "away"}, {"reason", "\x07"}});
    CHECK(b.take("away")["reason"] == "away");
    a.clear();
    fx.send(a, {{"type", "pm"}, {"to", "bob"}, {"text", "x"}});
    CHECK(a.count("away") == 1);
    fx.send(b, {{"type", "away"}, {"reason", 3}});
    b.error("bad_frame");
}

namespace {

// The `joined` and `who` lines as nlohmann's ordered encoder writes them from the same fields: the
// shape clients have always received, which the cached member list must reproduce byte for byte.
std::string expected_joined(const std::string& room, const std::string& topic, const std::vector<std::string>& members,
                            std::size_t history) {
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    for (const auto& n : members) m.push_back(n);
    const nlohmann::ordered_json f = {{"type", "joined"}, {"room", room},       {"topic", topic},
                                      {"members", m},     {"history", history}, {"store", "memory"}};
    return f.dump() + "\n";
}

std::string expected_who(const std::string& room, const std::vector<std::string>& members,
                         const nlohmann::ordered_json& away) {
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    for (const auto& n : members) m.push_back(n);
    const nlohmann::ordered_json f = {{"type", "who"}, {"room", room}, {"members", m}, {"away", away}};
    return f.dump() + "\n";
}

// The last raw line `p` was sent of `type`.
std::string last_raw(const fake_peer& p, const std::string& type) {
    const std::string start = "{\"type\":\"" + type + "\"";
    for (auto it = p.raw.rbegin(); it != p.raw.rend(); ++it) {
        if ((*it)->starts_with(start)) return **it;
    }
    FAIL("no raw \"" << type << "\" line");
    return {};
}

}  // namespace

TEST_CASE("joined and who: the member list is byte for byte the old encoding through joins, parts, quits and nick changes") {
    fixture fx;
    std::deque<fake_peer> peers;
    std::vector<std::string> in_room;  // who should be in #crowd, in join order
    std::string topic;
    auto join = [&](const std::string& nick) {
        fake_peer& p = peers.emplace_back();
        fx.hello(p, nick);
        fx.send(p, {{"type", "join"}, {"room", "#crowd"}});
        in_room.push_back(nick);
        const std::string got = last_raw(p, "joined");
        CHECK(got == expected_joined("#crowd", topic, in_room, 0));
        return &p;
    };
    for (int i = 0; i < 40; ++i) join("n" + std::to_string(i));
    CHECK(fx.d.state().find_room("#crowd")->members().size() == 40);

    // A topic that needs escaping, and quotes, backslashes and non-ASCII in it.
    fx.send(peers[0], {{"type", "topic"}, {"room", "#crowd"}, {"topic", "say \"hi\" \\ caf\xc3\xa9 \xe2\x9c\x93"}});
    topic = "say \"hi\" \\ caf\xc3\xa9 \xe2\x9c\x93";
    join("after.topic");
    CHECK(last_raw(peers.back(), "joined") == expected_joined("#crowd", topic, in_room, 0));

    // A part from the middle, a quit and a nick change: the next joiner and who see the new list.
    fx.send(peers[5], {{"type", "part"}, {"room", "#crowd"}});
    in_room.erase(std::find(in_room.begin(), in_room.end(), "n5"));
    fx.send(peers[7], {{"type", "quit"}});
    in_room.erase(std::find(in_room.begin(), in_room.end(), "n7"));
    fx.send(peers[9], {{"type", "nick"}, {"nick", "Renamed_9"}});
    *std::find(in_room.begin(), in_room.end(), "n9") = "Renamed_9";
    join("late-1");
    CHECK(last_raw(peers.back(), "joined") == expected_joined("#crowd", topic, in_room, 0));
    join("late-2");  // appended to a list rebuilt by the previous join
    CHECK(last_raw(peers.back(), "joined") == expected_joined("#crowd", topic, in_room, 0));
    CHECK(fx.d.state().find_room("#crowd")->members().size() == in_room.size());

    fx.send(peers[11], {{"type", "away"}, {"reason", "out \"for\" lunch"}});
    fx.send(peers[12], {{"type", "away"}, {"reason", "gone"}});
    fx.send(peers[0], {{"type", "who"}, {"room", "#crowd"}});
    CHECK(last_raw(peers[0], "who") ==
          expected_who("#crowd", in_room, nlohmann::ordered_json{{"n11", "out \"for\" lunch"}, {"n12", "gone"}}));

    // A nick change right after a join (nothing rebuilt in between) is seen too.
    fx.send(peers.back(), {{"type", "nick"}, {"nick", "late-2b"}});
    in_room.back() = "late-2b";
    fx.send(peers[0], {{"type", "who"}, {"room", "#crowd"}});
    CHECK(last_raw(peers[0], "who") ==
          expected_who("#crowd", in_room, nlohmann::ordered_json{{"n11", "out \"for\" lunch"}, {"n12", "gone"}}));

    // Everyone leaves; a new room of one starts a fresh list (the store keeps the topic).
    for (auto& p : peers) fx.send(p, {{"type", "part"}, {"room", "#crowd"}});
    CHECK(fx.d.state().find_room("#crowd") == nullptr);
    in_room.clear();
    join("fresh");
    // #lobby holds everyone still connected, in hello order.
    fx.send(peers.back(), {{"type", "who"}, {"room", "#lobby"}});
    std::vector<std::string> lobby;
    for (auto& p : peers) {
        if (p.chat().registered && !p.chat().gone) lobby.push_back(p.chat().nick);
    }
    CHECK(last_raw(peers.back(), "who") == expected_who("#lobby", lobby, nlohmann::ordered_json{{"n11", "out \"for\" lunch"}, {"n12", "gone"}}));
}

TEST_CASE("nick ownership: the first key to use a free nick owns it; other keys get nick_owned, keyless clients free nicks") {
    chat::limits l = fixture::no_rate();
    l.nicks_per_key = 2;
    fixture fx(l);
    const std::string alice_key = "SHA256:" + std::string(43, 'A');
    const std::string mallory_key = "SHA256:" + std::string(43, 'M');
    fake_peer a;
    a.chat().key = alice_key;
    fx.hello(a, "alice");
    fx.d.leave(a, "quit");
    // Offline, alice's nick still belongs to her key, in any case; not to another key nor to none.
    for (const std::string& key : {mallory_key, std::string()}) {
        fake_peer m;
        m.chat().key = key;
        fx.send(m, {{"type", "hello"}, {"version", 1}, {"nick", "ALICE"}});
        CHECK(m.error("nick_owned")["nick"] == "ALICE");
        CHECK_FALSE(m.chat().registered);
        fx.hello(m, key.empty() ? "guest1" : "mallory");
        fx.send(m, {{"type", "nick"}, {"nick", "alice"}});
        m.error("nick_owned");
        fx.d.leave(m, "quit");
    }
    // Her key comes back (a reconnect): the nick is hers.
    fake_peer back;
    back.chat().key = alice_key;
    fx.hello(back, "Alice");
    // A key owns at most --nicks-per-key nicks: alice (1), alice2 (2), alice3 stays free.
    fx.send(back, {{"type", "nick"}, {"nick", "alice2"}});
    fx.send(back, {{"type", "nick"}, {"nick", "alice3"}});
    CHECK(fx.d.messages().nick_owner("alice2") == alice_key);
    CHECK(fx.d.messages().nick_owner("alice3").empty());
    CHECK(fx.d.messages().nicks_owned(alice_key) == 2);
    // The keyless guest took no nick; mallory's key owns mallory.
    CHECK(fx.d.messages().nick_owner("guest1").empty());
    CHECK(fx.d.messages().nick_owner("mallory") == mallory_key);
}

TEST_CASE("offline_pm: a pm to an owned nick whose owner is offline is kept, told to the sender, delivered once at the next login") {
    fixture fx;
    const std::string alice_key = "SHA256:" + std::string(43, 'A');
    {
        fake_peer a;
        a.chat().key = alice_key;
        fx.send(a, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
        const json w = a.take("welcome");
        CHECK(std::find(w["features"].begin(), w["features"].end(), "offline_pm") != w["features"].end());
        fx.d.leave(a, "quit");
    }
    fake_peer b;
    fx.hello(b, "bob");
    fx.send(b, {{"type", "pm"}, {"to", "ALICE"}, {"text", "are you there?"}});
    const json echo = b.take("pm");
    CHECK(echo["offline"] == true);
    CHECK(echo["from"] == "bob");
    CHECK(echo["to"] == "ALICE");
    fx.send(b, {{"type", "pm"}, {"to", "alice"}, {"text", "second"}, {"action", true}});
    const json echo2 = b.take("pm");
    CHECK(echo2["offline"] == true);
    CHECK(echo2["id"].get<std::uint64_t>() > echo["id"].get<std::uint64_t>());
    // Nobody owns carol: still no_such_nick.
    fx.send(b, {{"type", "pm"}, {"to", "carol"}, {"text", "hello?"}});
    b.error("no_such_nick");
    // A text error is still a text error.
    fx.send(b, {{"type", "pm"}, {"to", "alice"}, {"text", ""}});
    b.error("empty_text");
    CHECK(fx.d.messages().offline_waiting("Alice").count == 2);

    // Another key taking the nick is refused and gets nothing.
    fake_peer m;
    m.chat().key = "SHA256:" + std::string(43, 'M');
    fx.send(m, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    m.error("nick_owned");
    CHECK(m.count("pm") == 0);

    // Her key comes back: welcome, joined, then the two pms as they were sent, marked offline.
    fake_peer a;
    a.chat().key = alice_key;
    fx.send(a, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    CHECK(a.take()["type"] == "welcome");
    CHECK(a.take()["type"] == "joined");
    const json p1 = a.take();
    CHECK(p1["type"] == "pm");
    CHECK(p1["offline"] == true);
    CHECK(p1["id"] == echo["id"]);
    CHECK(p1["ts"] == echo["ts"]);
    CHECK(p1["text"] == "are you there?");
    const json p2 = a.take();
    CHECK(p2["id"] == echo2["id"]);
    CHECK(p2["action"] == true);
    CHECK(a.frames.empty());
    CHECK(fx.d.messages().offline_waiting("alice").count == 0);
    // They are in the conversation's stored history like any pm.
    fx.send(a, {{"type", "history"}, {"nick", "bob"}});
    CHECK(a.take("history")["messages"].size() == 2);
    // Online now: a pm is an ordinary one.
    fx.send(b, {{"type", "pm"}, {"to", "alice"}, {"text", "live"}});
    CHECK_FALSE(a.take("pm").contains("offline"));
    // Once only: the next login brings nothing.
    fx.d.leave(a, "quit");
    fake_peer again;
    again.chat().key = alice_key;
    fx.send(again, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    CHECK(again.count("pm") == 0);
}

TEST_CASE("offline_pm: a nick change to an owned nick brings what waits for it; a keyless sender may write too") {
    fixture fx;
    const std::string key = "SHA256:" + std::string(43, 'K');
    fake_peer a;
    a.chat().key = key;
    fx.hello(a, "alice");
    fx.send(a, {{"type", "nick"}, {"nick", "alice2"}});  // her key owns alice and alice2
    fake_peer guest;  // no key
    fx.hello(guest, "guest");
    fx.send(guest, {{"type", "pm"}, {"to", "alice"}, {"text", "for alice"}});
    CHECK(guest.take("pm")["offline"] == true);
    a.clear();
    fx.send(a, {{"type", "nick"}, {"nick", "alice"}});
    CHECK(a.take()["type"] == "nick");
    const json p = a.take();
    CHECK(p["type"] == "pm");
    CHECK(p["offline"] == true);
    CHECK(p["text"] == "for alice");
}

TEST_CASE("offline_pm: past the bounds the sender is told offline_full and nothing is kept; 0 turns it off") {
    chat::limits l = fixture::no_rate();
    l.offline_messages = 3;
    l.offline_bytes = 10;
    l.offline_total = 4;
    fixture fx(l);
    for (const char* nick : {"alice", "carol"}) {
        fake_peer o;
        o.chat().key = std::string("SHA256:") + nick;
        fx.hello(o, nick);
        fx.d.leave(o, "quit");
    }
    fake_peer b;
    fx.hello(b, "bob");
    auto send = [&](const char* to, const std::string& text) {
        fx.send(b, {{"type", "pm"}, {"to", to}, {"text", text}});
        return b.take();
    };
    CHECK(send("alice", "12345")["offline"] == true);
    CHECK(send("alice", "1234")["offline"] == true);
    // 9 bytes wait: 2 more would pass 10 bytes.
    json e = send("alice", "12");
    CHECK(e["code"] == "offline_full");
    CHECK(e["about"] == "pm");
    CHECK(e["nick"] == "alice");
    CHECK(send("alice", "1")["offline"] == true);
    // 3 messages wait: the count bound.
    CHECK(send("alice", "x")["code"] == "offline_full");
    CHECK(fx.d.messages().offline_waiting("alice").count == 3);
    // carol's box is empty, but 4 wait in all would be the server's bound after one more.
    CHECK(send("carol", "a")["offline"] == true);
    e = send("carol", "b");
    CHECK(e["code"] == "offline_full");
    CHECK(e["message"].get<std::string>().find("no more offline messages") != std::string::npos);
    CHECK(fx.d.messages().offline_total() == 4);

    chat::limits off = fixture::no_rate();
    off.offline_messages = 0;
    fixture fx0(off);
    fake_peer o;
    o.chat().key = "SHA256:x";
    fx0.send(o, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    const json w = o.take("welcome");
    CHECK(std::find(w["features"].begin(), w["features"].end(), "offline_pm") == w["features"].end());
    fx0.d.leave(o, "quit");
    fake_peer s;
    fx0.hello(s, "bob");
    fx0.send(s, {{"type", "pm"}, {"to", "alice"}, {"text", "hi"}});
    s.error("no_such_nick");
}

TEST_CASE("quiet_rooms: above N members no join, part or quit about others; joined has the count, who the list") {
    {
        fixture off;
        fake_peer a;
        off.send(a, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
        json w = a.take("welcome");
        CHECK(std::find(w["features"].begin(), w["features"].end(), "quiet_rooms") == w["features"].end());
        CHECK(!w["limits"].contains("quiet_rooms"));
    }
    chat::limits l = fixture::no_rate();
    l.quiet_rooms = 2;
    fixture fx(l);
    fake_peer a, b, c, d;
    fx.send(a, {{"type", "hello"}, {"version", 1}, {"nick", "alice"}});
    json w = a.take("welcome");
    CHECK(std::find(w["features"].begin(), w["features"].end(), "quiet_rooms") != w["features"].end());
    CHECK(w["limits"]["quiet_rooms"] == 2);
    a.clear();
    fx.hello(b, "bob");  // #lobby: 2 members, not quiet
    CHECK(a.take("join")["nick"] == "bob");

    // The third member makes #lobby quiet: nobody is told, the joiner gets the count, not the list.
    fx.send(c, {{"type", "hello"}, {"version", 1}, {"nick", "carol"}});
    json j = c.take("joined");
    CHECK(j["room"] == "#lobby");
    CHECK(j["members"] == json::array());
    CHECK(j["quiet"] == true);
    CHECK(j["count"] == 3);
    CHECK(j["history"] == 0);
    CHECK(a.frames.empty());
    CHECK(b.frames.empty());
    fx.send(c, {{"type", "who"}, {"room", "#lobby"}});
    CHECK(c.take("who")["members"] == json::array({"alice", "bob", "carol"}));
    fx.send(c, {{"type", "rooms"}});
    CHECK(c.take("rooms")["rooms"][0]["members"] == 3);

    // A small room beside it speaks as before; messages and nick changes still reach everyone.
    fx.send(a, {{"type", "join"}, {"room", "#x"}});
    fx.send(c, {{"type", "join"}, {"room", "#x"}});
    json jx = c.take("joined");
    CHECK(jx["members"] == json::array({"alice", "carol"}));
    CHECK(!jx.contains("quiet"));
    CHECK(a.take("join")["room"] == "#x");
    fx.send(c, {{"type", "say"}, {"room", "#lobby"}, {"text", "hi"}});
    CHECK(a.take("message")["text"] == "hi");
    CHECK(b.take("message")["text"] == "hi");
    fx.send(b, {{"type", "nick"}, {"nick", "bobby"}});
    CHECK(a.take("nick")["new"] == "bobby");
    CHECK(c.take("nick")["new"] == "bobby");
    a.clear();
    c.clear();

    // A part from a quiet room is told to the one who parts only.
    fx.send(b, {{"type", "part"}, {"room", "#lobby"}});
    CHECK(b.take("part")["nick"] == "bobby");
    CHECK(a.frames.empty());
    CHECK(c.frames.empty());
    fx.send(a, {{"type", "who"}, {"room", "#lobby"}});
    CHECK(a.take("who")["members"] == json::array({"alice", "carol"}));

    // #lobby is back to 2 and tells again, until a third comes.
    fx.send(a, {{"type", "part"}, {"room", "#lobby"}});
    CHECK(c.take("part")["nick"] == "alice");
    fx.send(a, {{"type", "join"}, {"room", "#lobby"}});
    CHECK(c.take("join")["nick"] == "alice");
    fx.hello(d, "dave");
    CHECK(a.count("join") == 0);
    CHECK(c.count("join") == 0);

    // A quit reaches who shares a room that is not quiet with the one leaving (a, through #x),
    // not who shares only a quiet one (d), and nobody twice.
    a.clear();
    d.clear();
    fx.send(c, {{"type", "quit"}});
    CHECK(a.count("quit") == 1);
    CHECK(a.take("quit")["nick"] == "carol");
    CHECK(d.frames.empty());
    fx.send(d, {{"type", "who"}, {"room", "#lobby"}});
    CHECK(d.take("who")["members"] == json::array({"alice", "dave"}));
}

TEST_CASE("notice journal: notices wait in the room, then arrive before the peer's next frame or at the round") {
    fixture fx;
    std::size_t armed = 0;
    fx.d.journal_notices([&] { ++armed; });
    fake_peer a, b, c;
    fx.hello(a, "alice");
    fx.hello(b, "bob");
    CHECK(armed == 1);
    CHECK(a.frames.empty());  // bob's join waits in #lobby's journal
    fx.hello(c, "carol");
    CHECK(armed == 1);  // one round for both
    CHECK(a.frames.empty());
    CHECK(b.frames.empty());
    // A frame for alice brings what waited for her first, in the order sent.
    fx.send(c, {{"type", "pm"}, {"to", "alice"}, {"text", "hi"}});
    REQUIRE(a.frames.size() == 3);
    CHECK(a.take("join")["nick"] == "bob");
    CHECK(a.take("join")["nick"] == "carol");
    CHECK(a.take("pm")["text"] == "hi");
    CHECK(b.frames.empty());
    fx.d.notice_round();
    CHECK(b.take("join")["nick"] == "carol");
    CHECK(b.frames.empty());
    CHECK(a.frames.empty());  // nothing twice
    for (const auto& [name, r] : fx.d.state().rooms()) CHECK(r->journal().empty());

    // A quit sent to two rooms the peers share arrives once; a joiner gets nothing from before it came.
    fx.send(a, {{"type", "join"}, {"room", "#x"}});
    fx.send(b, {{"type", "join"}, {"room", "#x"}});
    fx.d.notice_round();
    a.clear();
    b.clear();
    fx.send(c, {{"type", "quit"}});
    fake_peer d;
    fx.hello(d, "dave");
    fx.send(d, {{"type", "join"}, {"room", "#x"}});
    CHECK(d.count("quit") == 0);
    fx.d.notice_round();
    CHECK(a.count("quit") == 1);
    CHECK(a.take("quit")["nick"] == "carol");
    CHECK(a.take("join")["nick"] == "dave");
    CHECK(a.take("join")["nick"] == "dave");
    CHECK(a.frames.empty());
    CHECK(d.count("quit") == 0);
    CHECK(d.count("join") == 0);
    CHECK(armed == 3);
}

TEST_CASE("notice journal: every peer gets byte for byte what it gets without it, in the same order") {
    // The same random session against two dispatchers, one delivering notices at once and one through
    // the journals with rounds at random points; each peer's frames are compared (timestamps aside).
    chat::limits l = fixture::no_rate();
    l.quiet_rooms = 6;  // some rooms grow quiet and back
    fixture direct(l), journaled(l);
    std::size_t armed = 0;
    journaled.d.journal_notices([&] { ++armed; });
    struct pair {
        std::unique_ptr<fake_peer> a = std::make_unique<fake_peer>(), b = std::make_unique<fake_peer>();
        std::string nick;
    };
    constexpr std::size_t slots = 10;
    std::vector<pair> live(slots), all;
    std::mt19937 rng(15);
    const std::vector<std::string> rooms = {"#lobby", "#a", "#b", "#c"};
    auto both = [&](pair& p, const json& f) {
        direct.send(*p.a, f);
        journaled.send(*p.b, f);
    };
    std::size_t rounds = 0, generation = 0;
    for (int step = 0; step < 3000; ++step) {
        pair& p = live[rng() % slots];
        const std::string room = rooms[rng() % rooms.size()];
        if (!p.a->chat().registered) {
            p.nick = "p" + std::to_string(generation++);
            both(p, {{"type", "hello"}, {"version", 1}, {"nick", p.nick}});
            continue;
        }
        switch (rng() % 9) {
            case 0:
            case 1: both(p, {{"type", "join"}, {"room", room}}); break;
            case 2: both(p, {{"type", "part"}, {"room", room}}); break;
            case 3: both(p, {{"type", "say"}, {"room", room}, {"text", "s" + std::to_string(step)}}); break;
            case 4: both(p, {{"type", "pm"}, {"to", live[rng() % slots].nick}, {"text", "m" + std::to_string(step)}}); break;
            case 5:
                p.nick = "n" + std::to_string(generation++);
                both(p, {{"type", "nick"}, {"nick", p.nick}});
                break;
            case 6:
            case 7:
                if (rng() % 2 == 0) {
                    both(p, {{"type", "quit"}, {"reason", "r" + std::to_string(step)}});
                } else {
                    direct.d.leave(*p.a, "connection lost");
                    journaled.d.leave(*p.b, "connection lost");
                }
                all.push_back(std::move(p));
                p = pair{};
                break;
            default: both(p, {{"type", "who"}, {"room", room}}); break;
        }
        if (rng() % 5 == 0) {
            journaled.d.notice_round();
            ++rounds;
        }
    }
    journaled.d.notice_round();
    for (const auto& [name, r] : journaled.d.state().rooms()) CHECK(r->journal().empty());
    for (auto& p : live) all.push_back(std::move(p));
    std::size_t frames = 0, notices = 0;
    for (const pair& p : all) {
        REQUIRE(p.a->frames.size() == p.b->frames.size());
        for (std::size_t i = 0; i < p.a->frames.size(); ++i) {
            json x = p.a->frames[i], y = p.b->frames[i];
            x.erase("ts");
            y.erase("ts");
            REQUIRE_MESSAGE(x == y, "frame " << i << ": " << x.dump() << " vs " << y.dump());
            const std::string type = x.value("type", "");
            notices += type == "join" || type == "part" || type == "quit";
        }
        frames += p.a->frames.size();
    }
    CHECK(frames > 5000);
    CHECK(notices > 1000);
    CHECK(rounds > 300);
    CHECK(armed > 300);
}
