// Hostile framing against the real chatd: garbage bytes, an endless line, invalid UTF-8, deep
// nesting, huge numbers, odd splitting and coalescing, and the strike-out after repeated bad frames.
// Two witnesses stay connected through each case and must still talk afterwards.
#include <doctest/doctest.h>

#include <poll.h>
#include <string>
#include <vector>

#include "support/chatd_process.hpp"
#include "support/test_client.hpp"
#include "support/witness.hpp"

using namespace chat::test;
using chat::json;

namespace {

// Rate limit off and a generous strike count, so each case sees only the check it is about.
const std::vector<std::string> lenient{"--rate", "0", "--max-errors", "1000"};

bool is_error(const json& f) { return f.value("type", "") == "error"; }

// The next error frame on `c`; fails the test if none comes.
json next_error(test_client& c, const std::string& what) {
    return c.wait_for(is_error, "an error frame for " + what);
}

}  // namespace

TEST_CASE("hostile frames: garbage bytes before hello get errors, then hello still works") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    const std::vector<std::string> junk{
        std::string("\x00\x01\x02\xff\xfe\x80garbage", 12) + "\n",
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + std::string(200, '\x5a') + "\n",
        "}}}]]]{{{\n",
        "\"just a string\"\n",
        "{\"type\":\n",
        "{\"type\":\"say\",}\n",
    };
    for (const auto& j : junk) {
        REQUIRE(c.send_raw(j));
        // HTTP sends three non-empty lines; every line gets an error and none closes the connection.
        const std::size_t lines = j.rfind("GET", 0) == 0 ? 3 : 1;
        for (std::size_t i = 0; i < lines; ++i) {
            const json e = next_error(c, preview(j, 40));
            const std::string code = e.value("code", "");
            CHECK_MESSAGE((code == "bad_json" || code == "bad_utf8" || code == "bad_frame"),
                          "unexpected error for " << preview(j, 40) << ": " << e.dump());
        }
    }
    CHECK_FALSE(c.peer_closed());
    c.hello("survivor");
    REQUIRE(c.say("#lobby", "after the garbage"));
    expect_next_message(w.a(), "survivor", "after the garbage");
    w.check_relay("after garbage");
}

TEST_CASE("hostile frames: a 10 MB line without newline is refused with frame_too_long and closed") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("endless");
    const long rss_before = srv.rss_kb();
    REQUIRE(rss_before > 0);

    const std::string chunk(64 * 1024, 'a');
    std::size_t sent = 0;
    const auto deadline = deadline_in(10s);
    while (sent < 10u * 1024 * 1024 && c.send_raw(chunk, deadline)) sent += chunk.size();
    // The server stops reading after max_frame bytes, so most of the 10 MB may never leave here.
    MESSAGE("bytes written before the server closed: " << sent);

    const json e = c.wait_for_error("frame_too_long");
    CHECK(e.value("message", "") != "");
    CHECK_MESSAGE(c.is_closed(), "the connection stayed open after frame_too_long");
    const long rss_after = srv.rss_kb();
    if (rss_is_meaningful) {
        CHECK_MESSAGE(rss_after - rss_before < 2048,
                      "chatd RSS grew from " << rss_before << " KiB to " << rss_after << " KiB");
    }
    // The witnesses saw the attacker leave, and still talk.
    w.a().wait_for([](const json& f) { return f.value("type", "") == "quit" && f.value("nick", "") == "endless"; },
                   "quit of endless");
    w.check_relay("after endless line");
}

TEST_CASE("hostile frames: a line one byte over max_frame is refused, one at the cap is served") {
    chatd_process srv({"--rate", "0", "--max-frame", "1024", "--max-text", "4096"});
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("edge");
    const std::string head = "{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"";
    const std::string tail = "\"}";
    const std::string at_cap = head + std::string(1024 - head.size() - tail.size(), 'x') + tail;
    REQUIRE(at_cap.size() == 1024);
    REQUIRE(c.send_raw(at_cap + "\r\n"));
    expect_next_message(w.a(), "edge", std::string(1024 - head.size() - tail.size(), 'x'));

    const std::string over = head + std::string(1025 - head.size() - tail.size(), 'y') + tail + "\n";
    REQUIRE(c.send_raw(over));
    c.wait_for_error("frame_too_long");
    CHECK(c.is_closed());
    w.check_relay("after the oversized line");
}

TEST_CASE("hostile frames: invalid UTF-8, lone surrogates and overlong forms are refused, connection lives") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("mojibake");
    const std::vector<std::pair<std::string, std::string>> cases{
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"hi\xaa\"}", "bad_utf8"},
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"\xc0\xaf\"}", "bad_utf8"},
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"\xed\xa0\x80\"}", "bad_utf8"},
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"\xf4\x90\x80\x80\"}", "bad_utf8"},
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"cut \xe2\x82\"}", "bad_utf8"},
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"\\ud800\"}", "bad_json"},
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"\\udc00x\"}", "bad_json"},
    };
    int token = 0;
    for (const auto& [line, code] : cases) {
        REQUIRE(c.send_raw(line + "\n"));
        const json e = next_error(c, preview(line, 60));
        CHECK_MESSAGE(e.value("code", "") == code, "for " << preview(line, 60) << " got " << e.dump());
        expect_pong(c, ++token);
    }
    REQUIRE(c.say("#lobby", "clean text \xc3\xa9"));
    expect_next_message(w.a(), "mojibake", "clean text \xc3\xa9");
    w.check_relay("after bad UTF-8");
}

TEST_CASE("hostile frames: 100 000 levels of nesting are refused as too_deep without a crash") {
    // A frame cap big enough that the depth guard, not the size cap, has to catch it.
    std::vector<std::string> flags = lenient;
    flags.insert(flags.end(), {"--max-frame", "1048576"});
    chatd_process srv(flags);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("nester");
    const std::size_t n = 100'000;
    const std::vector<std::string> lines{
        std::string(n, '[') + std::string(n, ']'),
        "{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"x\",\"x\":" + std::string(n, '[') + std::string(n, ']') + "}",
        [] {
            std::string s;
            for (int i = 0; i < 20'000; ++i) s += "{\"a\":";
            return s + "1" + std::string(20'000, '}');
        }(),
        // Unbalanced: opens only, as a parser that recursed would meet it.
        "{\"type\":\"say\",\"x\":" + std::string(n, '['),
    };
    int token = 0;
    for (const auto& line : lines) {
        REQUIRE(c.send_raw(line + "\n", deadline_in(10s)));
        const json e = next_error(c, "nesting " + preview(line, 30));
        CHECK_MESSAGE(e.value("code", "") == "too_deep", "got " << e.dump());
        expect_pong(c, ++token);
    }
    // Depth 8 is the documented maximum and still passes.
    REQUIRE(c.send_raw("{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"ok\",\"x\":[[[[[[[1]]]]]]]}\n"));
    expect_next_message(w.a(), "nester", "ok");
    CHECK(srv.running());
    w.check_relay("after deep nesting");
}

TEST_CASE("hostile frames: huge numbers get bad_value or bad_frame and never reach the log in full") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("numbers");
    const std::string digits(15'000, '7');
    const std::vector<std::pair<std::string, std::string>> cases{
        {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"x\",\"n\":1E400}", "bad_value"},
        {"{\"type\":\"ping\",\"token\":" + digits + "}", "bad_value"},
        {"{\"type\":\"join\",\"room\":\"#nums\",\"since\":-1E400}", "bad_value"},
        {"{\"type\":\"join\",\"room\":\"#nums\",\"since\":18446744073709551616}", "bad_frame"},
        {"{\"type\":\"join\",\"room\":\"#nums\",\"since\":1.5}", "bad_frame"},
        {"{\"type\":\"join\",\"room\":\"#nums\",\"since\":\"12\"}", "bad_frame"},
    };
    int token = 0;
    for (const auto& [line, code] : cases) {
        REQUIRE(c.send_raw(line + "\n"));
        const json e = next_error(c, preview(line, 60));
        CHECK_MESSAGE(e.value("code", "") == code, "for " << preview(line, 60) << " got " << e.dump());
        CHECK_MESSAGE(e.dump().size() < 1024, "the error frame echoes the number: " << preview(e.dump()));
        expect_pong(c, ++token);
    }
    w.check_relay("after huge numbers");
    // Everything logged so far is in stdout: no line carries the 15 000 digits.
    for (std::size_t pos = 0, end = 0; (end = srv.output().find('\n', pos)) != std::string::npos; pos = end + 1) {
        CHECK_MESSAGE(end - pos <= 1024, "a chatd log line is " << end - pos << " bytes long");
    }
    CHECK(srv.output().find(digits.substr(0, 1000)) == std::string::npos);
}

TEST_CASE("hostile frames: a frame sent one byte at a time is reassembled exactly") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("trickle");
    // Multi-byte characters are split across writes too.
    const std::string text = "slow \xc3\xa9\xe2\x82\xac\xf0\x9f\x91\x8b done";
    const std::string line = chat::encode(json{{"type", "say"}, {"room", "#lobby"}, {"text", text}});
    for (const char ch : line) {
        REQUIRE(c.send_raw(std::string_view(&ch, 1)));
        // Pacing so each byte arrives in its own segment; nothing waits on it.
        ::poll(nullptr, 0, 2);
    }
    expect_next_message(w.a(), "trickle", text);
    w.check_relay("after the trickle");
}

TEST_CASE("hostile frames: 100 frames in one write with CRLF and empty lines arrive complete and in order") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("batch");
    std::string all;
    for (int i = 0; i < 100; ++i) {
        std::string f = chat::encode(json{{"type", "say"}, {"room", "#lobby"}, {"text", "n" + std::to_string(i)}});
        f.insert(f.size() - 1, "\r");  // CRLF
        all += f;
        if (i % 10 == 0) all += "\r\n\n";
    }
    REQUIRE(c.send_raw(all));
    std::int64_t last_id = -1;
    for (int i = 0; i < 100; ++i) {
        const json m = w.a().wait_for(message_from("batch"), "message n" + std::to_string(i) + " from batch");
        CHECK(m.value("text", "") == "n" + std::to_string(i));
        const auto id = m.value("id", std::int64_t{-1});
        CHECK(id > last_id);
        last_id = id;
    }
    w.check_relay("after the batch");
}

TEST_CASE("hostile frames: max_errors refused frames in a row close the connection with too_many_errors") {
    chatd_process srv({"--max-errors", "3", "--rate", "0"});
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("striker");
    // Two strikes, then a good frame: the count starts again.
    REQUIRE(c.send_raw("nope\n{\"type\":42}\n"));
    next_error(c, "strike 1");
    next_error(c, "strike 2");
    expect_pong(c, 1);
    REQUIRE(c.send_raw("nope\nnope\n"));
    next_error(c, "strike 1 again");
    next_error(c, "strike 2 again");
    expect_pong(c, 2);
    CHECK_FALSE(c.peer_closed());
    // Three in a row: out.
    REQUIRE(c.send_raw("nope\n[1]\n{\"type\":\"nonsense\"}\n"));
    c.wait_for_error("too_many_errors");
    CHECK(c.is_closed());

    // Before hello the same rule holds.
    test_client d = srv.client();
    REQUIRE(d.send_raw("x\ny\nz\n"));
    d.wait_for_error("too_many_errors");
    CHECK(d.is_closed());
    w.check_relay("after the strike-outs");
}
