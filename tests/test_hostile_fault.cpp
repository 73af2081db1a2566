// Faults around the real chatd process: a descriptor limit far below the connection count, SIGTERM
// with a client that cannot be flushed, a second signal during the grace period, and escape
// sequences from the network that must never reach chatd's own log raw.
#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <unistd.h>
#include <vector>

#include "support/chatd_process.hpp"
#include "support/test_client.hpp"
#include "support/witness.hpp"

using namespace chat::test;
using chat::json;

namespace {

// A registered client that never reads, with `bytes` of room messages queued for it in chatd.
// `feeder` and `readers` are connected clients; the readers must read everything so that only the
// stuck one falls behind.
test_client stuck_client(chatd_process& srv, test_client& feeder, std::vector<test_client*> readers,
                         std::size_t bytes) {
    test_client stuck;
    stuck.set_rcvbuf(4096);
    REQUIRE(stuck.connect("127.0.0.1", srv.port()));
    stuck.hello("stuck");
    const std::string pad(4000, 's');
    const int count = static_cast<int>(bytes / pad.size()) + 1;
    for (int i = 0; i < count; ++i) {
        REQUIRE(feeder.say("#lobby", "fill " + std::to_string(i) + " " + pad));
        for (test_client* r : readers) {
            r->wait_for(
                [&](const json& f) {
                    return message_from(feeder.nick())(f) &&
                           f.value("text", "").rfind("fill " + std::to_string(i) + " ", 0) == 0;
                },
                "fill message " + std::to_string(i));
        }
    }
    return stuck;
}

// One more client is turned away with server_full and closed.
void expect_refused_full(chatd_process& srv) {
    test_client c = srv.client();
    c.wait_for_error("server_full");
    CHECK(c.is_closed());
}

// Registers a newcomer, retrying while chatd still refuses because a slot has not been released yet.
test_client join_when_free(chatd_process& srv, const std::string& nick, test_clock::time_point deadline) {
    for (;;) {
        test_client c = srv.client();
        REQUIRE(c.send(json{{"type", "hello"}, {"version", 1}, {"nick", nick}}));
        const json f = c.wait_for(
            [](const json& x) { return x.value("type", "") == "welcome" || x.value("type", "") == "error"; },
            "welcome or a refusal for " + nick);
        if (f.value("type", "") == "welcome") return c;
        if (test_clock::now() >= deadline) FAIL(nick << " still refused: " << f.dump());
    }
}

}  // namespace

TEST_CASE("hostile fault: out of descriptors chatd refuses the excess without spinning and recovers") {
    const rlim_t nofile = 80;
    spawn_options opts;
    opts.nofile = nofile;  // soft and hard: chatd cannot raise it
    chatd_process srv({"--max-per-ip", "1000", "--rate", "0"}, opts);
    witnesses w(srv);
    const long clk = ::sysconf(_SC_CLK_TCK);

    // max_clients is clamped to the fd limit minus 32; the witnesses hold two of those slots.
    const std::size_t capacity = nofile - 32;
    std::vector<test_client> served;
    for (std::size_t i = 0; i + 2 < capacity; ++i) {
        served.push_back(srv.client());
        served.back().hello("fd" + std::to_string(i));
    }
    expect_refused_full(srv);

    // 60 more connect and stay silent. Each refusal holds a descriptor while chatd tries to deliver
    // server_full, so chatd runs out of descriptors with connections still waiting in its backlog.
    std::vector<test_client> extra;
    for (int i = 0; i < 60; ++i) {
        test_client c;
        REQUIRE_MESSAGE(c.connect("127.0.0.1", srv.port()), "extra connection " << i << " failed at the TCP level");
        extra.push_back(std::move(c));
    }
    // A second in that state: chatd must wait for descriptors, not retry accept() in a loop.
    // CPU time, not wall time: a loaded machine slows a spinning chatd down but cannot make it idle.
    const long ticks_before = srv.cpu_ticks();
    CHECK_FALSE(w.a().find(message_from(w.b().nick()), deadline_in(1s)).has_value());
    const long ticks_used = srv.cpu_ticks() - ticks_before;
    CHECK_MESSAGE(ticks_used * 10 <= clk, "chatd used " << ticks_used << " of " << clk << " ticks in that second");
    CHECK_MESSAGE(srv.find_log("cannot accept", deadline_in(5s)).has_value(),
                  "chatd never ran out of descriptors, so this test did not test what it says");

    // Every extra connection is eventually refused politely, none is served or dropped silently.
    for (std::size_t i = 0; i < extra.size(); ++i) {
        extra[i].wait_for_error("server_full", deadline_in(10s));
        CHECK(extra[i].is_closed());
    }

    // Five leave (two by reset); five newcomers are served.
    for (std::size_t i = 0; i < 5; ++i) {
        if (i < 2) {
            served[i].abort();
        } else {
            REQUIRE(served[i].send(json{{"type", "quit"}}));
            CHECK(served[i].is_closed());
        }
    }
    std::vector<test_client> newcomers;
    for (int i = 0; i < 5; ++i) newcomers.push_back(join_when_free(srv, "new" + std::to_string(i), deadline_in(3s)));
    expect_refused_full(srv);
    expect_pong(newcomers.back(), 1);
    expect_pong(served.back(), 2);
    w.check_relay("after fd exhaustion");
}

TEST_CASE("hostile fault: SIGTERM sends shutdown to every client and exits 0 within the grace period") {
    chatd_process srv({"--shutdown-grace", "1", "--rate", "0", "--sendq", "8388608"});
    test_client a = srv.client();
    a.hello("alpha");
    test_client b = srv.client();
    b.hello("beta");
    // 2 MB waiting for a client that does not read: the grace period, not the flush, ends it.
    test_client stuck = stuck_client(srv, a, {&a, &b}, 2 * 1024 * 1024);

    const auto start = test_clock::now();
    REQUIRE(srv.terminate(SIGTERM));
    const json sa = a.wait_for("shutdown", deadline_in(3s));
    CHECK(sa.contains("message"));
    b.wait_for("shutdown", deadline_in(3s));
    CHECK(a.is_closed(deadline_in(3s)));
    CHECK(b.is_closed(deadline_in(3s)));

    // No newcomer is served once shutdown began.
    test_client late;
    if (late.connect("127.0.0.1", srv.port(), {}, deadline_in(1s))) {
        late.send(json{{"type", "hello"}, {"version", 1}, {"nick", "late"}});
        const auto welcome = late.find([](const json& f) { return f.value("type", "") == "welcome"; }, deadline_in(3s));
        CHECK_MESSAGE(!welcome.has_value(), "a client was welcomed during shutdown");
    }

    // The grace period is a real deadline: 1 s of it, and 3 s of margin for a loaded 2-core machine
    // (without the grace cap, the 2 MB owed to the stuck client would keep chatd running for ever).
    const auto status = srv.wait_exit(start + 5s);
    REQUIRE_MESSAGE(status.has_value(), "chatd still runs 5 s after SIGTERM with --shutdown-grace 1");
    CHECK(exit_code(*status) == 0);
    const double secs = std::chrono::duration<double>(test_clock::now() - start).count();
    CHECK_MESSAGE(secs <= 4.0, "exit took " << secs << " s (grace 1 s + 3 s allowed)");
    CHECK(stuck.is_closed(deadline_in(3s)));
}

TEST_CASE("hostile fault: SIGTERM exits even when every client is already being closed") {
    chatd_process srv({"--shutdown-grace", "1"});
    test_client c = srv.client();
    c.hello("doomed");
    // Refused for an oversized line: chatd is closing this connection, and the peer stays silent.
    REQUIRE(c.send_raw(std::string(20'000, 'x') + "\n"));
    c.wait_for_error("frame_too_long");
    const auto start = test_clock::now();
    REQUIRE(srv.terminate(SIGTERM));
    const auto status = srv.wait_exit(start + 2s + 500ms);
    REQUIRE_MESSAGE(status.has_value(), "chatd still runs 2.5 s after SIGTERM with --shutdown-grace 1; log: "
                                            << chat::encode(json(srv.output())));
    CHECK(exit_code(*status) == 0);
}

TEST_CASE("hostile fault: a second signal during the grace period exits at once") {
    // 8 MB waiting for a client that does not read: more than the kernel buffers between them hold
    // (the server's send buffer alone may grow to 4 MB), so only the grace period can end it.
    chatd_process srv({"--shutdown-grace", "10", "--rate", "0", "--sendq", "33554432"});
    test_client a = srv.client();
    a.hello("alpha");
    test_client stuck = stuck_client(srv, a, {&a}, 8 * 1024 * 1024);

    REQUIRE(srv.terminate(SIGTERM));
    a.wait_for("shutdown", deadline_in(3s));
    // The stuck client keeps it in its grace period (a lower bound: load only makes chatd later)...
    CHECK_MESSAGE(!srv.wait_exit(deadline_in(300ms)).has_value(),
                  "chatd did not wait for the client it could not flush");
    // ...until the second signal.
    const auto start = test_clock::now();
    REQUIRE(srv.terminate(SIGINT));
    // Well under the 10 s grace the second signal cuts short; the rest is margin for a loaded machine.
    const auto status = srv.wait_exit(deadline_in(6s));
    REQUIRE_MESSAGE(status.has_value(), "chatd ignored a second signal during a 10 s grace period");
    const double secs = std::chrono::duration<double>(test_clock::now() - start).count();
    CHECK_MESSAGE(secs < 5.0, "exit took " << secs << " s after the second signal");
    const int code = exit_code(*status);
    CHECK_MESSAGE((code == 0 || code == 130 || code == 143), "exit code " << code);
}

TEST_CASE("hostile fault: escape sequences from the network never reach chatd's log raw") {
    chatd_process srv({"--rate", "0", "--max-errors", "1000"});
    test_client c = srv.client();
    const std::string esc_nick = "\x1b]0;pwned\x07";
    REQUIRE(c.send(json{{"type", "hello"}, {"version", 1}, {"nick", esc_nick}}));
    c.wait_for_error("invalid_nick");
    REQUIRE(c.send_raw("\x1b[2J\x1b]0;title\x07 not json \r\x08\n"));
    c.wait_for_error("bad_json");
    REQUIRE(c.send_raw("{\"type\":\"\x1b[31m\xc2\x9b" "1m\"}\n"));
    c.wait_for_error("bad_json");
    c.hello("esc");
    REQUIRE(c.say("#lobby", "\x1b[2Jwiped\x07"));
    c.wait_for_error("bad_text");
    REQUIRE(c.send(json{{"type", "topic"}, {"room", "#lobby"}, {"topic", "\x1b]0;t\x07"}}));
    c.wait_for_error("bad_topic");
    REQUIRE(c.send(json{{"type", "join"}, {"room", "#\x1b[1m"}}));
    c.wait_for_error("invalid_room");
    REQUIRE(c.send(json{{"type", "pm"}, {"to", "\x1b[5mx"}, {"text", "hi"}}));
    c.wait_for([](const json& f) { return f.value("type", "") == "error"; }, "an error for a pm to an escape nick");
    REQUIRE(c.send(json{{"type", "nick"}, {"nick", "\x1b[8m"}}));
    c.wait_for_error("invalid_nick");
    REQUIRE(c.send(json{{"type", "part"}, {"room", "#lobby"}, {"reason", "\x1b[?1049h\x1b" "c"}}));
    // Whether the reason is refused or relayed is not the point here; the log is.
    c.wait_for([](const json& f) { return f.value("type", "") == "part" || f.value("type", "") == "error"; },
               "part or an error for a part with an escape reason");
    REQUIRE(c.send(json{{"type", "quit"}, {"reason", "\x1b]52;c;cHduZWQ=\x07\r\nfake log line"}}));
    CHECK(c.is_closed());
    // A long line of escapes, cut off by the frame cap.
    test_client d = srv.client();
    std::string escapes;
    while (escapes.size() < 20'000) escapes += "\x1b[31m\x1b]0;x\x07";
    d.send_raw(escapes + "\n");
    d.wait_for_error("frame_too_long");
    CHECK(d.is_closed());

    // Stop chatd so that everything it logged has been read.
    REQUIRE(srv.terminate(SIGTERM));
    REQUIRE_MESSAGE(srv.wait_exit(deadline_in(5s)).has_value(),
                    "chatd still runs 5 s after SIGTERM; its log: " << chat::encode(json(srv.output())));
    REQUIRE(srv.wait_output_closed(deadline_in(5s)));
    const std::string log = srv.output();
    CHECK(log.find("listening on ") != std::string::npos);
    const auto esc = log.find('\x1b');
    CHECK_MESSAGE(esc == std::string::npos,
                  "ESC in the log near: " << chat::encode(json(log.substr(esc == std::string::npos ? 0 : esc - std::min<std::size_t>(esc, 80), 200))));
    CHECK(log.find('\x07') == std::string::npos);
    CHECK(log.find('\x08') == std::string::npos);
    CHECK(log.find('\r') == std::string::npos);
    CHECK(log.find("\xc2\x9b") == std::string::npos);
    CHECK(log.find("\nfake log line") == std::string::npos);
    for (std::size_t pos = 0, end = 0; (end = log.find('\n', pos)) != std::string::npos; pos = end + 1) {
        CHECK_MESSAGE(end - pos <= 1024, "a chatd log line is " << end - pos << " bytes long");
    }
}
