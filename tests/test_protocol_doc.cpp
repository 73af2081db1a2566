// What docs/protocol.md promises, checked against the real chatd one statement at a time, so the
// document and the server cannot drift apart again. Each case names the part of the document it pins.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/chatd_process.hpp"
#include "support/test_client.hpp"
#include "support/witness.hpp"

using namespace chat::test;
using chat::json;

namespace {

const std::vector<std::string> lenient{"--rate", "0", "--max-errors", "1000"};

json error_for(test_client& c, const std::string& line) {
    REQUIRE(c.send_raw(line + "\n"));
    return c.wait_for([](const json& f) { return f.value("type", "") == "error"; }, "an error for " + line);
}

std::string code_for(test_client& c, const std::string& line) { return error_for(c, line).value("code", ""); }

// Waits for the pong to a ping already sent (expect_pong sends one itself).
void pong_for(test_client& c, int token) {
    c.wait_for([&](const json& f) { return f.value("type", "") == "pong" && f.value("token", -1) == token; },
               "the pong " + std::to_string(token));
}

}  // namespace

TEST_CASE("protocol.md error codes: bad_utf8, bad_json, bad_frame and bad_value are what the rows say") {
    chatd_process srv(lenient);
    test_client c = srv.client();
    c.hello("coder");
    // Invalid UTF-8 is bad_utf8 wherever it is, inside a JSON string too; a lone surrogate escape is bad_json.
    // Neither carries `about`: the frame was not read.
    const json utf8 = error_for(c, "{\"type\":\"topic\",\"room\":\"#lobby\",\"topic\":\"\xff\"}");
    CHECK(utf8.value("code", "") == "bad_utf8");
    CHECK_FALSE(utf8.contains("about"));
    const json surrogate = error_for(c, R"({"type":"topic","room":"#lobby","topic":"\ud800"})");
    CHECK(surrogate.value("code", "") == "bad_json");
    CHECK_FALSE(surrogate.contains("about"));
    // An integer field out of int64 range is bad_frame, like any field of the wrong type.
    CHECK(code_for(c, R"({"type":"join","room":"#r","since":9223372036854775808})") == "bad_frame");
    CHECK(code_for(c, R"({"type":"join","room":"#r","since":1.5})") == "bad_frame");
    // A number JSON cannot hold is bad_value, without `about`: the frame was not read.
    const json big = error_for(c, R"({"type":"rooms","x":1E400})");
    CHECK(big.value("code", "") == "bad_value");
    CHECK_FALSE(big.contains("about"));
    // One too small to hold is read as 0: accepted.
    REQUIRE(c.send_raw(R"({"type":"ping","token":4,"x":1e-400})" "\n"));
    pong_for(c, 4);
}

TEST_CASE("protocol.md error codes: a malformed name gets the same error as an unknown one, except in who") {
    chatd_process srv(lenient);
    test_client c = srv.client();
    c.hello("namer");
    CHECK(code_for(c, R"({"type":"who","room":"#bad room"})") == "invalid_room");
    CHECK(code_for(c, R"({"type":"who","room":"#nowhere"})") == "no_such_room");
    for (const char* type : {"say", "part", "topic"}) {
        CAPTURE(type);
        json f = {{"type", type}, {"room", "#bad room"}, {"text", "x"}};
        CHECK(code_for(c, f.dump()) == "not_in_room");
    }
    CHECK(code_for(c, R"({"type":"pm","to":"bad nick!","text":"x"})") == "no_such_nick");
    // `room` and `nick` of an error are what the refused frame was about: its target.
    const json e = error_for(c, R"({"type":"say","room":"#nowhere","text":"x"})");
    CHECK(e.value("room", "") == "#nowhere");
    CHECK(e.value("about", "") == "say");
    const json n = error_for(c, R"({"type":"pm","to":"ghost","text":"x"})");
    CHECK(n.value("nick", "") == "ghost");
    // Limits counted in bytes say bytes.
    const json longnick = error_for(c, R"({"type":"nick","nick":"abcdefghijklmnopq"})");
    CHECK(longnick.value("message", "").find("16 bytes") != std::string::npos);
}

TEST_CASE("protocol.md session outline: before hello, pong and unknown types are not_registered and count as strikes") {
    chatd_process srv({"--max-errors", "3"});
    test_client c = srv.client();
    CHECK(code_for(c, R"({"type":"pong","token":1})") == "not_registered");
    CHECK(code_for(c, R"({"type":"frobnicate"})") == "not_registered");
    // The third in a row is the last (--max-errors 3).
    REQUIRE(c.send_raw(R"({"type":"pong"})" "\n"));
    c.wait_for_error("not_registered");
    c.wait_for_error("too_many_errors");
    CHECK(c.is_closed());

    // An unregistered connection is never pinged (--ping-interval 0.2 s): the next frame is the
    // hello timeout, 1 s after connecting.
    chatd_process quiet({"--ping-interval", "0.2", "--hello-timeout", "1"});
    test_client silent = quiet.client();
    const auto f = silent.next_frame(deadline_in(10s));
    REQUIRE(f);
    CHECK(f->value("type", "") == "error");
    CHECK(f->value("code", "") == "hello_timeout");
}

TEST_CASE("protocol.md rate limit: a ping between refusals does not break the run of refusals in a row") {
    // A burst of 1 refilled once in 100 s: every counted frame after the first is refused.
    chatd_process srv({"--rate", "0.01", "--burst", "1"});
    test_client c = srv.client();
    c.hello("pinger");
    REQUIRE(c.say("#lobby", "the one token"));
    for (int i = 0; i < 2; ++i) {
        REQUIRE(c.say("#lobby", "refused " + std::to_string(i)));
        c.wait_for_error("rate_limited");
        expect_pong(c, i);
    }
    // The third refusal in a row (3 x burst) is the excess flood, pings notwithstanding.
    REQUIRE(c.say("#lobby", "refused 2"));
    c.wait_for_error("excess_flood");
    CHECK(c.is_closed());
}

TEST_CASE("protocol.md frames: quit reason, join and joined fields, rejoining, the first ping, U+FEFF and U+2028") {
    chatd_process srv({"--rate", "0", "--ping-interval", "0.3", "--ping-timeout", "30"});
    test_client pinged = srv.client();
    pinged.hello("pinged");
    test_client a = srv.client();
    a.hello("alpha");
    test_client b = srv.client();
    const json welcome = b.hello("beta");
    // `join` carries ts; `joined` carries history.
    const json join = a.wait_for("join");
    CHECK(join.value("nick", "") == "beta");
    CHECK(join["ts"].is_number_integer());

    // Joining a room you are in answers joined again, and tells nobody else.
    CHECK(b.wait_for("joined")["history"].is_number_integer());  // the one after hello
    REQUIRE(b.send(json{{"type", "join"}, {"room", "#lobby"}}));
    const json joined = b.wait_for("joined");
    CHECK(joined.value("room", "") == "#lobby");
    CHECK(joined["history"].is_number_integer());
    REQUIRE(b.say("#lobby", "after the rejoin"));
    const auto next = a.wait_for([](const json& f) { return f.value("type", "") != "ping"; }, "a frame after the rejoin");
    CHECK_MESSAGE(next.value("type", "") == "message", "alpha was sent " << next.dump() << " for beta's rejoin");

    // A leading U+FEFF (a byte order mark) is accepted.
    REQUIRE(b.send_raw("\xef\xbb\xbf{\"type\":\"ping\",\"token\":21}\n"));
    pong_for(b, 21);

    // U+2028 is relayed raw, not escaped: lines split on '\n' only.
    REQUIRE(b.say("#lobby", "a\u2028b"));
    const json m = a.wait_for(message_from("beta"), "the U+2028 message");
    CHECK(m.value("text", "") == "a\u2028b");
    CHECK(a.last_line().find("a\u2028b") != std::string::npos);

    // The first server ping of a connection has token 1 (`pinged` has skipped no ping so far).
    const json ping = pinged.wait_for("ping", deadline_in(10s));
    CHECK(ping.value("token", 0) == 1);

    // The quit reason is cut to --max-topic before "quit: " goes in front of it.
    REQUIRE(b.send(json{{"type", "quit"}, {"reason", std::string(300, 'r')}}));
    const json quit = a.wait_for("quit");
    const std::size_t max_topic = welcome["limits"].value("max_topic", 0);
    CHECK(quit.value("reason", "") == "quit: " + std::string(max_topic, 'r'));
}
