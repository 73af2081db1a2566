// Admission and pacing limits of the real chatd, each shrunk by flag so it trips in well under a
// second: connections per address, total clients, the flood limit, the hello deadline and the
// keep-alive. Two witnesses stay connected throughout and must still talk afterwards.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/chatd_process.hpp"
#include "support/test_client.hpp"
#include "support/witness.hpp"

using namespace chat::test;
using chat::json;

namespace {

auto quit_of(const std::string& nick) {
    return [nick](const json& f) { return f.value("type", "") == "quit" && f.value("nick", "") == nick; };
}

// Connects from `local` and waits for the refusal `code` followed by the close.
void expect_refused(chatd_process& srv, const std::string& local, const std::string& code) {
    test_client c = srv.client(local);
    c.wait_for_error(code);
    CHECK_MESSAGE(c.is_closed(), "a connection refused with " << code << " stayed open");
}

// Connects from `local` and registers, retrying while the server has not yet noticed that a slot
// was freed (the refusal is the condition being waited on, with a deadline).
test_client connect_when_free(chatd_process& srv, const std::string& local, const std::string& nick,
                              test_clock::time_point deadline = deadline_in(3s)) {
    for (;;) {
        test_client c = srv.client(local);
        REQUIRE(c.send(json{{"type", "hello"}, {"version", 1}, {"nick", nick}}));
        const json f = c.wait_for(
            [](const json& x) { return x.value("type", "") == "welcome" || x.value("type", "") == "error"; },
            "welcome or a refusal for " + nick);
        if (f.value("type", "") == "welcome") return c;
        if (test_clock::now() >= deadline) FAIL(nick << " was still refused after a slot was freed: " << f.dump());
    }
}

// Connects without saying hello, retrying while the server still refuses with server_full because it
// has not yet released the slot of a client that just left.
test_client connect_silent_when_free(chatd_process& srv, const std::string& local,
                                     test_clock::time_point deadline = deadline_in(3s)) {
    for (;;) {
        test_client c = srv.client(local);
        // A refusal is written at once; 1 s is the margin for a loaded machine to deliver it.
        const auto refusal = c.find([](const json& f) { return f.value("type", "") == "error"; }, deadline_in(1s));
        if (!refusal && !c.peer_closed()) return c;
        if (test_clock::now() >= deadline) FAIL("a silent client was still refused: " << (refusal ? refusal->dump() : "closed"));
    }
}

}  // namespace

TEST_CASE("hostile limits: --max-per-ip refuses the 4th connection from one address, not others") {
    chatd_process srv({"--max-per-ip", "3"});
    witnesses w(srv);  // from 127.0.0.1
    std::vector<test_client> same;
    for (int i = 0; i < 3; ++i) {
        same.push_back(srv.client("127.0.0.2"));
        same.back().hello("ip2_" + std::to_string(i));
    }
    expect_refused(srv, "127.0.0.2", "too_many_connections");

    test_client other = srv.client("127.0.0.3");
    other.hello("ip3");
    REQUIRE(other.say("#lobby", "from another address"));
    expect_next_message(w.a(), "ip3", "from another address");

    // Refused connections never counted: the three are still served.
    for (auto& c : same) expect_pong(c, 7);
    // One leaves; its slot is free again.
    REQUIRE(same[0].send(json{{"type", "quit"}}));
    CHECK(same[0].is_closed());
    test_client again = connect_when_free(srv, "127.0.0.2", "ip2_again");
    expect_refused(srv, "127.0.0.2", "too_many_connections");
    w.check_relay("after the per-address limit");
}

TEST_CASE("hostile limits: --max-clients refuses with server_full and recovers when one leaves") {
    chatd_process srv({"--max-clients", "5", "--max-per-ip", "100"});
    witnesses w(srv);
    std::vector<test_client> more;
    for (int i = 0; i < 3; ++i) {
        more.push_back(srv.client());
        more.back().hello("full" + std::to_string(i));
    }
    for (int i = 0; i < 10; ++i) expect_refused(srv, "127.0.0.1", "server_full");
    REQUIRE(more[2].send(json{{"type", "quit"}, {"reason", "make room"}}));
    CHECK(more[2].is_closed());
    // A client that has not said hello yet also holds a slot.
    test_client silent = connect_silent_when_free(srv, "127.0.0.4");
    expect_refused(srv, "127.0.0.1", "server_full");
    silent.close();
    test_client late = connect_when_free(srv, "127.0.0.1", "late");
    expect_pong(late, 1);
    w.check_relay("after server_full");
}

TEST_CASE("hostile limits: a flood gets rate_limited, then excess flood; others keep talking") {
    chatd_process srv({"--rate", "2", "--burst", "5"});
    witnesses w(srv);

    // Eight frames at once from a polite client: five pass, the rest are refused, it stays.
    test_client eager = srv.client();
    eager.hello("eager");
    std::string eight;
    for (int i = 0; i < 8; ++i) eight += chat::encode(json{{"type", "say"}, {"room", "#lobby"}, {"text", "e" + std::to_string(i)}});
    REQUIRE(eager.send_raw(eight));
    eager.wait_for_error("rate_limited");
    expect_pong(eager, 1);  // ping is not counted, and the connection lives
    CHECK_FALSE(eager.peer_closed());

    // A hundred at once: past 3x the burst in a row, it is cut off as an excess flood.
    test_client flood = srv.client();
    flood.hello("flooder");
    std::string many;
    for (int i = 0; i < 100; ++i) many += chat::encode(json{{"type", "say"}, {"room", "#lobby"}, {"text", "f" + std::to_string(i)}});
    const auto start = test_clock::now();
    flood.send_raw(many);  // may fail part-way once the server closes
    flood.wait_for_error("rate_limited");
    CHECK_MESSAGE(flood.is_closed(), "an excess flood was not disconnected");

    // The witness saw at most burst + rate * elapsed of the flood, then the quit.
    int relayed = 0;
    const json q = w.a().wait_for(
        [&](const json& f) {
            if (message_from("flooder")(f)) ++relayed;
            return quit_of("flooder")(f);
        },
        "quit of flooder");
    // Measured here after the fact, so a slow machine only widens the bound below, never breaks it.
    const double secs = std::chrono::duration<double>(test_clock::now() - start).count();
    CHECK(q.value("reason", "") == "excess flood");
    CHECK(relayed >= 1);
    CHECK_MESSAGE(relayed <= 5 + static_cast<int>(2 * secs) + 1, relayed << " flood messages relayed in " << secs << " s");
    w.check_relay("after the flood");
}

TEST_CASE("hostile limits: --hello-timeout closes silent and half-hello connections, not registered ones") {
    chatd_process srv({"--hello-timeout", "0.5"});
    test_client registered = srv.client();
    registered.hello("prompt");
    const auto start = test_clock::now();
    test_client silent = srv.client();
    test_client partial = srv.client();
    REQUIRE(partial.send_raw("{\"type\":\"hello\",\"version\":1,\"ni"));

    // The timeout is a real deadline. `start` precedes the connections, so the lower bound holds
    // however slow the machine; the upper one has 4.5 s of margin for a loaded 2-core machine.
    silent.wait_for_error("hello_timeout", deadline_in(6s));
    CHECK(silent.is_closed(deadline_in(2s)));
    const double secs = std::chrono::duration<double>(test_clock::now() - start).count();
    CHECK_MESSAGE(secs >= 0.4, "closed after " << secs << " s, before the 0.5 s deadline");
    CHECK_MESSAGE(secs <= 5.0, "closed only after " << secs << " s");
    partial.wait_for_error("hello_timeout", deadline_in(3s));
    CHECK(partial.is_closed(deadline_in(2s)));
    // The registered client, older than the deadline, still works.
    expect_pong(registered, 5);
    REQUIRE(registered.say("#lobby", "still here"));
    expect_next_message(registered, "prompt", "still here");
}

TEST_CASE("hostile limits: keep-alive closes a client that never answers ping, keeps one that does") {
    chatd_process srv({"--ping-interval", "0.3", "--ping-timeout", "0.3"});
    test_client mute = srv.client();
    mute.hello("mute");
    test_client alive = srv.client();
    alive.hello("alive");
    alive.set_auto_pong(true);
    test_client watcher = srv.client();
    watcher.hello("watcher");
    watcher.set_auto_pong(true);

    // The mute client is pinged, ignores it, and is closed with ping_timeout.
    const json ping = mute.wait_for("ping", deadline_in(3s));
    CHECK(ping.contains("token"));
    const auto pinged = test_clock::now();
    // Serve the two live clients while the mute one runs out of time.
    bool quit_seen = false;
    std::string reason;
    const auto deadline = deadline_in(8s);
    while (!quit_seen && test_clock::now() < deadline) {
        alive.next_frame(deadline_in(30ms));
        if (auto f = watcher.next_frame(deadline_in(30ms)); f && quit_of("mute")(*f)) {
            quit_seen = true;
            reason = f->value("reason", "");
        }
    }
    REQUIRE_MESSAGE(quit_seen, "no quit for the client that never answered ping");
    CHECK(reason == "ping timeout");
    const double secs = std::chrono::duration<double>(test_clock::now() - pinged).count();
    // 0.3 s are due; the rest is margin for a loaded 2-core machine, still far below "never".
    CHECK_MESSAGE(secs <= 4.0, "closed " << secs << " s after the ping");
    mute.wait_for_error("ping_timeout");
    CHECK(mute.is_closed());

    // Several ping rounds later the answering clients are still there and talking.
    REQUIRE(alive.say("#lobby", "I answered"));
    expect_next_message(watcher, "alive", "I answered");
    REQUIRE(watcher.say("#lobby", "me too"));
    expect_next_message(alive, "watcher", "me too");
    REQUIRE(watcher.send(json{{"type", "who"}, {"room", "#lobby"}}));
    const json who = watcher.wait_for("who");
    CHECK(who["members"].size() == 2);
}

TEST_CASE("hostile limits: room caps per client and per server hold, and empty rooms are freed") {
    chatd_process srv({"--max-rooms-per-client", "5", "--max-rooms", "8", "--rate", "0"});
    witnesses w(srv);
    auto join = [](test_client& c, const std::string& room) {
        REQUIRE(c.send(json{{"type", "join"}, {"room", room}}));
        return c.wait_for(
            [&](const json& f) {
                return (f.value("type", "") == "joined" || f.value("type", "") == "error") && f.value("room", "") == room;
            },
            "joined or an error for " + room);
    };
    auto room_names = [](test_client& c) {
        REQUIRE(c.send(json{{"type", "rooms"}}));
        std::vector<std::string> names;
        const json answer = c.wait_for("rooms");
        for (const auto& r : answer.value("rooms", json::array())) names.push_back(r.value("name", ""));
        return names;
    };
    // #lobby counts as one of the five.
    test_client a = srv.client();
    a.hello("roomer");
    for (int i = 0; i < 4; ++i) CHECK(join(a, "#a" + std::to_string(i)).value("type", "") == "joined");
    CHECK(join(a, "#a4").value("code", "") == "too_many_rooms");
    // The server holds #lobby and #a0-#a3; three more fit.
    test_client b = srv.client();
    b.hello("builder");
    for (int i = 0; i < 3; ++i) CHECK(join(b, "#b" + std::to_string(i)).value("type", "") == "joined");
    CHECK(join(b, "#b3").value("code", "") == "room_limit");
    // Joining an existing room is still fine at the server cap.
    CHECK(join(b, "#a0").value("type", "") == "joined");
    CHECK(room_names(w.a()).size() == 8);

    // Once their members are gone the rooms are gone, and new ones can be made.
    REQUIRE(a.send(json{{"type", "quit"}}));
    CHECK(a.is_closed());
    b.abort();
    w.a().wait_for([](const json& f) { return f.value("type", "") == "quit" && f.value("nick", "") == "builder"; },
                   "quit of builder");
    CHECK(room_names(w.a()) == std::vector<std::string>{"#lobby"});
    CHECK(join(w.b(), "#fresh").value("type", "") == "joined");
    w.check_relay("after the room caps");
}
