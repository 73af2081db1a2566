// The real server in-process on 127.0.0.1 port 0 (its io_context on a thread), driven by socket clients.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "server.hpp"
#include "support/test_client.hpp"

namespace {

using chat::json;
using chat::test::deadline_in;
using chat::test::test_client;
using namespace std::chrono_literals;

// A chatd running on its own thread for the duration of a test case.
class running_server {
public:
    explicit running_server(chat::options o = defaults()) {
        o.log = false;
        if (o.binds.empty()) o.binds = {"127.0.0.1"};
        o.port = 0;
        srv_ = std::make_unique<chat::server>(io_, o);
        srv_->start();
        port = srv_->port();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~running_server() { stop(); }

    static chat::options defaults() {
        chat::options o;
        o.lim.rate = 0;
        return o;
    }

    // Runs `f` on the server's thread and returns its result.
    template <class F>
    auto on_io(F f) {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        asio::post(io_, [&task] { task(); });
        REQUIRE_MESSAGE(result.wait_for(5s) == std::future_status::ready, "the server thread did not answer");
        return result.get();
    }

    // Graceful stop; true if the server finished within `limit`.
    bool stop(std::chrono::milliseconds limit = 5000ms) {
        if (!thread_.joinable()) return true;
        auto done = std::make_shared<std::promise<void>>();
        auto finished = done->get_future();
        asio::post(io_, [this, done] { srv_->stop([done] { done->set_value(); }); });
        const bool ok = finished.wait_for(limit) == std::future_status::ready;
        // Refused connections may still linger for a moment; they are not the server's work.
        io_.stop();
        thread_.join();
        return ok;
    }

    // Only touch it from on_io().
    chat::server& get() { return *srv_; }

    std::uint16_t port = 0;

private:
    asio::io_context io_;
    std::unique_ptr<chat::server> srv_;
    std::thread thread_;
};

bool is_msg(const json& f, const std::string& text) { return f.value("type", "") == "message" && f.value("text", "") == text; }

}  // namespace

TEST_CASE("server: registration, messages, pm, nick, rooms, topic, who, history over sockets") {
    running_server s;
    test_client a("127.0.0.1", s.port);
    test_client b("127.0.0.1", s.port);
    json w = a.hello("alice");
    CHECK(w["server"] == "chatd 1.0.0");
    CHECK(w["instance"].get<std::string>().size() == 16);
    json joined = a.wait_for("joined");
    CHECK(joined["room"] == "#lobby");
    b.hello("bob");
    CHECK(b.wait_for("joined")["members"] == json::array({"alice", "bob"}));
    CHECK(a.wait_for("join")["nick"] == "bob");

    REQUIRE(a.say("#lobby", "hello bob \xf0\x9f\x91\x8b"));
    json m = b.wait_for([](const json& f) { return is_msg(f, "hello bob \xf0\x9f\x91\x8b"); }, "alice's message");
    CHECK(m["from"] == "alice");
    CHECK(m["history"] == false);
    a.wait_for([](const json& f) { return is_msg(f, "hello bob \xf0\x9f\x91\x8b"); }, "the echo of alice's message");

    REQUIRE(b.send({{"type", "pm"}, {"to", "ALICE"}, {"text", "psst"}}));
    CHECK(a.wait_for("pm")["from"] == "bob");
    CHECK(b.wait_for("pm")["to"] == "alice");

    REQUIRE(b.send({{"type", "nick"}, {"nick", "Alice"}}));
    CHECK(b.wait_for_error("nick_in_use")["nick"] == "Alice");
    REQUIRE(b.send({{"type", "nick"}, {"nick", "robert"}}));
    CHECK(a.wait_for("nick")["new"] == "robert");
    CHECK(b.wait_for("nick")["old"] == "bob");

    REQUIRE(a.send({{"type", "join"}, {"room", "#Rust"}}));
    a.wait_for("joined");
    REQUIRE(a.send({{"type", "topic"}, {"room", "#rust"}, {"topic", "borrowck support"}}));
    CHECK(a.wait_for("topic")["room"] == "#Rust");
    REQUIRE(b.send({{"type", "rooms"}}));
    CHECK(b.wait_for("rooms")["rooms"].size() == 2);
    REQUIRE(b.send({{"type", "who"}, {"room", "#RUST"}}));
    CHECK(b.wait_for("who")["members"] == json::array({"alice"}));
    REQUIRE(b.send({{"type", "join"}, {"room", "#rust"}}));
    json bj = b.wait_for("joined");
    CHECK(bj["topic"] == "borrowck support");
    REQUIRE(b.send({{"type", "part"}, {"room", "#rust"}, {"reason", "later"}}));
    CHECK(a.wait_for("part")["reason"] == "later");

    // History on join, then `since` after a reconnect.
    test_client c("127.0.0.1", s.port);
    c.hello("carol");
    json h = c.wait_for([](const json& f) { return f.value("type", "") == "message"; }, "a history message");
    CHECK(h["history"] == true);
    CHECK(h["text"] == "hello bob \xf0\x9f\x91\x8b");
    const auto last = h["id"].get<std::int64_t>();
    REQUIRE(a.say("#lobby", "after"));
    c.wait_for([](const json& f) { return is_msg(f, "after"); }, "the live message");
    REQUIRE(c.send({{"type", "join"}, {"room", "#lobby"}, {"since", last}}));
    c.wait_for("joined");
    json again = c.wait_for("message");
    CHECK(again["text"] == "after");
    CHECK(again["history"] == true);

    // Quit: the server closes the connection; the others see why.
    REQUIRE(c.send({{"type", "quit"}, {"reason", "bye"}}));
    CHECK(c.is_closed());
    CHECK(a.wait_for("quit")["reason"] == "quit: bye");
}

TEST_CASE("server: hostile input gets errors while a well-behaved client keeps working") {
    running_server s;
    test_client good("127.0.0.1", s.port);
    good.hello("good");
    test_client bad("127.0.0.1", s.port);
    REQUIRE(bad.send_raw("GET / HTTP/1.1\r\n\r\n"));
    bad.wait_for_error("bad_json");
    REQUIRE(bad.send({{"type", "say"}, {"room", "#lobby"}, {"text", "early"}}));
    bad.wait_for_error("not_registered");
    bad.hello("bad");
    REQUIRE(bad.send_raw("{\"type\":\"say\",\"text\":\"\xaa\"}\n"));
    bad.wait_for_error("bad_utf8");
    REQUIRE(bad.send_raw("{\"type\":\"launch\"}\n"));
    CHECK(bad.wait_for_error("unknown_type")["about"] == "launch");
    REQUIRE(bad.send_raw(std::string(40, '[') + std::string(40, ']') + "\n"));
    bad.wait_for_error("too_deep");
    REQUIRE(bad.send_raw("{\"type\":\"say\",\"room\":\"#lobby\",\"text\":1E400}\n"));
    bad.wait_for_error("bad_value");
    // Fragmented and coalesced frames are reassembled exactly.
    const std::string frame = chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", "bytewise \xc3\xa9"}});
    for (char ch : frame) REQUIRE(bad.send_raw(std::string_view(&ch, 1)));
    REQUIRE(bad.send_raw("\r\n\n" + chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", "one"}}) +
                         chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", "two"}})));
    good.wait_for([](const json& f) { return is_msg(f, "bytewise \xc3\xa9"); }, "the byte-by-byte frame");
    good.wait_for([](const json& f) { return is_msg(f, "one"); }, "the first coalesced frame");
    good.wait_for([](const json& f) { return is_msg(f, "two"); }, "the second coalesced frame");

    // A frame over the cap: error, then close of that connection only.
    REQUIRE(bad.send_raw(std::string(20000, 'x')));
    bad.wait_for_error("frame_too_long");
    CHECK(bad.is_closed());
    CHECK(good.wait_for("quit")["nick"] == "bad");
    REQUIRE(good.say("#lobby", "still here"));
    good.wait_for([](const json& f) { return is_msg(f, "still here"); }, "a message after the hostile client left");

    // max_errors protocol errors in a row close the connection with too_many_errors.
    test_client noisy("127.0.0.1", s.port);
    for (int i = 0; i < 10; ++i) REQUIRE(noisy.send_raw("nonsense\n"));
    noisy.wait_for_error("too_many_errors");
    CHECK(noisy.is_closed());
}

TEST_CASE("server: hello timeout and ping timeout with short limits") {
    chat::options o = running_server::defaults();
    o.lim.hello_timeout = 300ms;
    o.lim.ping_interval = 200ms;
    o.lim.ping_timeout = 300ms;
    running_server s(o);
    test_client silent("127.0.0.1", s.port);
    silent.wait_for_error("hello_timeout", deadline_in(3s));
    CHECK(silent.is_closed(deadline_in(3s)));

    test_client watcher("127.0.0.1", s.port);
    watcher.hello("watcher");
    test_client sleeper("127.0.0.1", s.port);
    sleeper.hello("sleeper");
    // The watcher answers every ping and stays; the sleeper never answers and is closed for it.
    // Real timers are the point here: 0.5 s are due, 10 s is the margin for a loaded machine.
    const auto until = deadline_in(10s);
    bool saw_quit = false;
    while (!saw_quit) {
        auto f = watcher.next_frame(until);
        REQUIRE_MESSAGE(f, "the watcher never saw the sleeper's quit (or was closed)");
        if ((*f)["type"] == "ping") REQUIRE(watcher.send({{"type", "pong"}, {"token", (*f)["token"]}}));
        if ((*f)["type"] == "quit") {
            CHECK((*f)["nick"] == "sleeper");
            CHECK((*f)["reason"] == "ping timeout");
            saw_quit = true;
        }
    }
    // What the sleeper had been sent is still in its socket.
    json ping = sleeper.wait_for("ping", deadline_in(5s));
    CHECK(ping["token"].is_number_integer());
    sleeper.wait_for_error("ping_timeout", deadline_in(5s));
    CHECK(sleeper.is_closed(deadline_in(5s)));
    REQUIRE(watcher.send({{"type", "ping"}, {"token", "mine"}}));
    watcher.wait_for([](const json& f) { return f.value("type", "") == "pong" && f.value("token", "") == "mine"; },
                     "the pong to the watcher's own ping");
}

TEST_CASE("server: admission limits: server_full and too_many_connections, others unaffected") {
    chat::options o = running_server::defaults();
    o.lim.max_clients = 3;
    o.lim.max_per_ip = 2;
    running_server s(o);
    test_client a("127.0.0.1", s.port);
    a.hello("a");
    test_client b("127.0.0.1", s.port);
    b.hello("b");
    test_client c("127.0.0.1", s.port);
    c.wait_for_error("too_many_connections");
    CHECK(c.is_closed());
    test_client d("127.0.0.1", s.port, "127.0.0.2");
    d.hello("d");
    test_client e("127.0.0.1", s.port, "127.0.0.3");
    e.wait_for_error("server_full");
    CHECK(e.is_closed());
    REQUIRE(a.say("#lobby", "fine"));
    d.wait_for([](const json& f) { return is_msg(f, "fine"); }, "a message while refusing others");
    CHECK(s.on_io([&] { return s.get().stats().refused_full; }) == 1);
    CHECK(s.on_io([&] { return s.get().stats().refused_per_ip; }) == 1);
    CHECK(s.on_io([&] { return s.get().stats().sendq_overflows; }) == 0);
    // A slot frees when a client leaves.
    b.close();
    a.wait_for("quit");
    test_client f("127.0.0.1", s.port, "127.0.0.3");
    f.hello("f");
}

TEST_CASE("server: a client that stops reading is cut off; the others get every message") {
    chat::options o = running_server::defaults();
    o.lim.sendq = 64 * 1024;
    o.lim.history = 0;
    o.lim.max_text = 16000;
    o.lim.max_frame = 32768;
    running_server s(o);
    test_client slow;
    slow.set_rcvbuf(4096);
    REQUIRE(slow.connect("127.0.0.1", s.port));
    slow.hello("slow");
    test_client fast("127.0.0.1", s.port);
    fast.hello("fast");
    test_client talker("127.0.0.1", s.port);
    talker.hello("talker");
    const std::string text(12000, 'z');
    int received = 0;
    std::optional<json> slow_quit;
    // Counts messages and remembers the slow client's quit; other frames are skipped.
    auto watch = [&](const json& f) {
        if (f.value("type", "") == "quit" && f.value("nick", "") == "slow") slow_quit = f;
        return f.value("type", "") == "message";
    };
    constexpr int total = 800;  // 9.6 MB: more than loopback socket buffers (up to 4 MiB) and the queue
    for (int i = 0; i < total; ++i) {
        REQUIRE(talker.say("#lobby", text + std::to_string(i)));
        // Drain the fast client and the talker's echoes as we go, so only the slow one falls behind.
        while (fast.find(watch, deadline_in(0ms))) ++received;
        while (talker.next_frame(deadline_in(0ms))) {
        }
    }
    const auto until = deadline_in(5s);
    while (received < total) {
        REQUIRE_MESSAGE(fast.find(watch, until), "the fast client got only " << received << " of " << total << " messages");
        ++received;
    }
    if (!slow_quit) {
        slow_quit = fast.wait_for([](const json& f) { return f.value("type", "") == "quit" && f.value("nick", "") == "slow"; },
                                  "the slow client's quit");
    }
    CHECK((*slow_quit)["reason"] == "send queue exceeded");
    CHECK(slow.is_closed(deadline_in(5s)));
    // Counted once, for the slow client only.
    CHECK(s.on_io([&] { return s.get().stats().sendq_overflows; }) == 1);
}

TEST_CASE("server: excess flood closes the flooder") {
    chat::options o = running_server::defaults();
    o.lim.rate = 1;
    o.lim.burst = 2;
    running_server s(o);
    test_client w("127.0.0.1", s.port);
    w.hello("w");
    test_client f("127.0.0.1", s.port);
    f.hello("flood");
    std::string burst;
    for (int i = 0; i < 20; ++i) burst += chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", "x"}});
    REQUIRE(f.send_raw(burst));
    f.wait_for_error("rate_limited");
    // The closing refusal says why, then the connection ends.
    CHECK(f.wait_for_error("excess_flood")["about"] == "say");
    CHECK(f.is_closed());
    CHECK(w.wait_for("quit")["reason"] == "excess flood");
}

TEST_CASE("server: quit before hello closes the connection politely") {
    running_server s;
    test_client c("127.0.0.1", s.port);
    REQUIRE(c.send_raw("{\"type\":\"quit\",\"reason\":\"wrong server\"}\n"));
    CHECK(c.is_closed());
}

TEST_CASE("server: graceful shutdown sends shutdown frames and finishes") {
    running_server s;
    test_client a("127.0.0.1", s.port);
    a.hello("a");
    test_client b("127.0.0.1", s.port);
    b.hello("b");
    test_client pre("127.0.0.1", s.port);  // not registered yet
    REQUIRE(s.stop());
    CHECK(a.wait_for("shutdown")["message"].is_string());
    b.wait_for("shutdown");
    CHECK(a.is_closed());
    CHECK(b.is_closed());
    CHECK(pre.is_closed());
    CHECK_FALSE(a.connect("127.0.0.1", s.port, {}, deadline_in(1s)));
}

TEST_CASE("server: listens on several addresses, IPv4 and IPv6, one chat") {
    chat::options o = running_server::defaults();
    o.binds = {"127.0.0.1", "::1"};
    std::unique_ptr<running_server> s;
    try {
        s = std::make_unique<running_server>(o);
    } catch (const std::system_error& e) {
        MESSAGE("no IPv6 loopback here, skipped: " << e.what());
        return;
    }
    const auto eps = s->on_io([&] { return s->get().endpoints(); });
    REQUIRE(eps.size() == 2);
    CHECK(eps[0].address().is_v4());
    CHECK(eps[1].address().is_v6());
    test_client v4("127.0.0.1", eps[0].port());
    v4.hello("four");
    test_client v6("::1", eps[1].port());
    v6.hello("six");
    REQUIRE(v6.say("#lobby", "over v6"));
    v4.wait_for([](const json& f) { return is_msg(f, "over v6"); }, "the IPv6 client's message over IPv4");
}
