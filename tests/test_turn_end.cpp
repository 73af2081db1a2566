// One write per client per turn of the event loop, counted through the transport seam: a session on
// a fake transport, driven by io_context::poll() (no socket, no clock).
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "dispatcher.hpp"
#include "log.hpp"
#include "session.hpp"
#include "support/fake_transport.hpp"
#include "turn_end.hpp"

namespace {

using chat::test::fake_transport;
using chat::test::wire_record;

// One session on a fake transport, with what a server would give it.
struct rig {
    explicit rig(chat::limits l = {}) : lim(l), chat(lim) {
        auto t = std::make_unique<fake_transport>(io, rec);
        wire = t.get();
        s = std::make_shared<chat::session>(std::move(t), ctx, "fake", nullptr);
        s->start();
        io.poll();
    }
    ~rig() {
        s->close_now();
        io.poll();
        turn->shut_down();
    }
    // Runs `f` as one handler, then everything it made ready: the rest of that turn and its end.
    template <typename F>
    void turn_of(F f) {
        asio::post(io, f);
        io.poll();
    }

    asio::io_context io;
    chat::limits lim;
    chat::dispatcher chat;
    chat::logger log{true, false};
    std::shared_ptr<chat::turn_end> turn = std::make_shared<chat::turn_end>(io.get_executor(), lim.notice_delay);
    std::uint64_t overflows = 0;
    std::shared_ptr<chat::admission> admit = std::make_shared<chat::admission>(io.get_executor(), 0);
    chat::session_context ctx{chat, log, *turn, *admit, overflows};
    std::shared_ptr<wire_record> rec = std::make_shared<wire_record>();
    fake_transport* wire = nullptr;
    std::shared_ptr<chat::session> s;
};

std::string frame(int i) { return "{\"type\":\"n\",\"i\":" + std::to_string(i) + "}\n"; }

}  // namespace

TEST_CASE("turn_end: N frames queued for one client within one turn leave in one write") {
    rig r;
    constexpr int n = 200;
    std::string expected;
    for (int i = 0; i < n; ++i) expected += frame(i);
    r.turn_of([&] {
        for (int i = 0; i < n; ++i) r.s->deliver(chat::share(frame(i)));
        CHECK(r.rec->writes == 0);  // nothing leaves inside the turn
    });
    CHECK(r.rec->writes == 1);
    REQUIRE(r.rec->iov_counts.size() == 1);
    CHECK(r.rec->iov_counts[0] == n);
    CHECK(r.rec->sent == expected);
    CHECK(r.s->queued_bytes() == 0);

    // Frames queued by several handlers of one turn (say, join notices from several readers) still
    // leave together: the drain runs after the handlers that were ready with the first.
    r.turn_of([&] {
        for (int h = 0; h < 3; ++h) asio::post(r.io, [&, h] { r.s->deliver(chat::share(frame(1000 + h))); });
    });
    CHECK(r.rec->writes == 2);
    CHECK(r.rec->iov_counts.back() == 3);
    CHECK(r.rec->sent == expected + frame(1000) + frame(1001) + frame(1002));
    CHECK(r.turn->drains() == 2);
}

TEST_CASE("turn_end: the end-of-turn hooks run before the turn's output is written") {
    rig r;
    std::vector<std::string> events;
    r.rec->events = &events;
    r.turn->on_end([&] { events.push_back("commit"); });
    r.turn_of([&] {
        r.s->deliver(chat::share(frame(1)));
        r.s->deliver(chat::share(frame(2)));
    });
    CHECK(events == std::vector<std::string>{"commit", "write"});

    // A turn that queues nothing for a client still ends with the hooks when asked to.
    events.clear();
    r.turn_of([&] { r.turn->request(); });
    CHECK(events == std::vector<std::string>{"commit"});
    r.turn_of([] {});  // and a turn with neither runs no hook
    CHECK(events == std::vector<std::string>{"commit"});
}

TEST_CASE("turn_end: a partial write waits for the transport; later frames join the rest, in order") {
    rig r;
    r.rec->budget = 5;
    r.turn_of([&] {
        r.s->deliver(chat::share("hello world\n"));
        r.s->deliver(chat::share("second\n"));
    });
    CHECK(r.rec->writes == 1);  // 5 bytes taken: a short write means the transport is full
    CHECK(r.rec->sent == "hello");
    r.turn_of([&] { r.s->deliver(chat::share("third\n")); });
    CHECK(r.rec->writes == 1);  // waiting for the transport: no write is tried
    CHECK(r.s->queued_bytes() == 7 + 7 + 6);
    fake_transport::make_writable(*r.wire, std::numeric_limits<std::size_t>::max());
    r.io.poll();
    CHECK(r.rec->writes == 2);
    CHECK(r.rec->iov_counts.back() == 3);  // the rest of the line begun, and the two after it
    CHECK(r.rec->sent == "hello world\nsecond\nthird\n");
    CHECK(r.s->queued_bytes() == 0);
}

TEST_CASE("turn_end: the send queue's cap is unchanged; before refusing it writes what the transport takes") {
    chat::limits lim;
    lim.sendq = 64;
    rig r(lim);
    std::vector<std::string> events;
    r.rec->events = &events;
    r.turn->on_end([&] { events.push_back("commit"); });
    r.rec->budget = 40;
    const std::string line(30, 'x');
    r.turn_of([&] {
        r.s->deliver(chat::share(line + "\n"));
        r.s->deliver(chat::share(line + "\n"));
        CHECK(events.empty());
        r.s->deliver(chat::share(line + "\n"));  // 93 > 64: hand over what fits first, hooks first
        CHECK(events == std::vector<std::string>{"commit", "write"});
        CHECK(r.rec->sent.size() == 40);
        CHECK(r.overflows == 0);  // it fit after the write: 53 bytes queued
        CHECK(r.s->queued_bytes() == 53);
    });
    r.turn_of([&] {
        r.s->deliver(chat::share(line + "\n"));  // 84 > 64 and the transport takes nothing more
        CHECK(r.overflows == 1);
    });
    // What was begun is finished, then the last word; nothing after it.
    fake_transport::make_writable(*r.wire, std::numeric_limits<std::size_t>::max());
    r.io.poll();
    const std::string all = r.rec->sent;
    CHECK(all.substr(0, 62) == line + "\n" + line + "\n");
    CHECK(all.find("sendq_exceeded") != std::string::npos);
    CHECK(all.size() < 62 + 31 + 200);  // the third line was not begun: dropped, not sent
    CHECK(all.find(line + "\n" + line + "\n" + line) == std::string::npos);
}

TEST_CASE("turn_end: notices wait for the client's next write, in order, or at most the notice delay") {
    rig r;  // --notice-delay at its default, 50 ms
    r.turn_of([&] {
        r.s->deliver_notice(chat::share(frame(1)));
        r.s->deliver_notice(chat::share(frame(2)));
    });
    CHECK(r.rec->writes == 0);
    r.turn_of([&] { r.s->deliver(chat::share(frame(3))); });  // a frame someone waits for takes them along
    CHECK(r.rec->writes == 1);
    CHECK(r.rec->sent == frame(1) + frame(2) + frame(3));

    // Alone, a notice leaves once the delay has passed (waited for on the loop, with a deadline).
    r.turn_of([&] { r.s->deliver_notice(chat::share(frame(4))); });
    CHECK(r.rec->writes == 1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (r.rec->writes == 1 && std::chrono::steady_clock::now() < deadline) {
        r.io.run_one_for(std::chrono::milliseconds(100));
    }
    CHECK(r.rec->writes == 2);
    CHECK(r.rec->sent == frame(1) + frame(2) + frame(3) + frame(4));
}

TEST_CASE("turn_end: with --notice-delay 0 a notice is written in its own turn") {
    chat::limits lim;
    lim.notice_delay = std::chrono::milliseconds(0);
    rig r(lim);
    r.turn_of([&] { r.s->deliver_notice(chat::share(frame(1))); });
    CHECK(r.rec->writes == 1);
    CHECK(r.rec->sent == frame(1));
}

namespace {

// A writer that only notes, in a shared list, that it was flushed.
struct noted_writer final : chat::turn_writer {
    noted_writer(std::string n, std::vector<std::string>& e) : name(std::move(n)), events(&e) {}
    void flush_turn() override { events->push_back(name); }
    std::string name;
    std::vector<std::string>* events;
};

}  // namespace

TEST_CASE("turn_end: a drain writes at most its bound of clients; those given output in between go first, after the hooks") {
    asio::io_context io;
    auto turn = std::make_shared<chat::turn_end>(io.get_executor(), std::chrono::milliseconds(0), 3);
    std::vector<std::string> events;
    std::size_t drained = 0;
    turn->on_end([&] { events.push_back("commit"); });
    turn->on_drained([&] { ++drained; });
    std::vector<std::unique_ptr<noted_writer>> a;
    for (int i = 0; i < 10; ++i) a.push_back(std::make_unique<noted_writer>("a" + std::to_string(i), events));
    noted_writer x("x", events);
    asio::post(io, [&] {
        for (auto& w : a) turn->want_flush(*w);
        // Input read while the first drain's rest waits: output for a new client and for a0 (written
        // by the first drain) goes ahead of what that drain left; a4 is already waiting; a9 goes away.
        asio::post(io, [&] {
            turn->want_flush(x);
            turn->want_flush(*a[0]);
            turn->want_flush(*a[4]);  // already waiting: once, in its place
            turn->forget(*a[9]);
        });
    });
    io.poll();
    CHECK(events == std::vector<std::string>{"commit", "a0", "a1", "a2",  // the bound: 3
                                             "commit", "x", "a0", "a3",   // input between: first
                                             "a4", "a5", "a6",            // the rest, 3 at a time
                                             "a7", "a8"});
    CHECK(turn->drains() == 4);
    CHECK(turn->cut_drains() == 3);
    CHECK(drained == 1);  // the admission bound starts afresh once the backlog is written

    // A backlog that takes many drains: a fresh admission bound after every 64 cut drains in a row.
    events.clear();
    drained = 0;
    std::vector<std::unique_ptr<noted_writer>> many;
    for (int i = 0; i < 400; ++i) many.push_back(std::make_unique<noted_writer>("m" + std::to_string(i), events));
    io.restart();
    asio::post(io, [&] {
        for (auto& w : many) turn->want_flush(*w);
    });
    io.poll();
    CHECK(events.size() == 1 + 400);  // one commit, every writer once, 3 a drain
    CHECK(turn->cut_drains() == 3 + 133);
    CHECK(drained == 133 / 64 + 1);
    turn->shut_down();
}
