// The thread hand-over queue: order, wake-up fd, and the bound with its skipped marker.
#include <doctest/doctest.h>

#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "event_queue.hpp"

using chat::client::event_queue;
using chat::client::net_event;

namespace {

net_event message(std::int64_t n) {
    net_event ev;
    ev.what = net_event::kind::frame;
    ev.body.type = "message";
    ev.body.body = {{"type", "message"}, {"id", n}};
    ev.number = n;
    return ev;
}

net_event state(net_event::kind k) {
    net_event ev;
    ev.what = k;
    return ev;
}

bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

}  // namespace

TEST_CASE("event_queue: wake-up fd is readable exactly while events wait") {
    event_queue q(16);
    CHECK_FALSE(readable(q.wake_fd(), 0));
    q.push(message(1));
    q.push(message(2));
    CHECK(readable(q.wake_fd(), 0));
    bool more = true;
    auto batch = q.pop_batch(1, more);
    REQUIRE(batch.size() == 1);
    CHECK(batch[0].number == 1);
    CHECK(more);
    CHECK(readable(q.wake_fd(), 0));
    batch = q.pop_batch(10, more);
    REQUIRE(batch.size() == 1);
    CHECK(batch[0].number == 2);
    CHECK_FALSE(more);
    CHECK_FALSE(readable(q.wake_fd(), 0));
}

TEST_CASE("event_queue: when full, the oldest messages go and one marker counts them") {
    event_queue q(4);
    q.push(state(net_event::kind::connected));
    for (int i = 1; i <= 10; ++i) q.push(message(i));
    CHECK(q.size() == 4);
    bool more = true;
    auto batch = q.pop_batch(100, more);
    CHECK_FALSE(more);
    REQUIRE(batch.size() == 5);
    CHECK(batch[0].what == net_event::kind::skipped);
    CHECK(batch[0].number == 7);
    // The state change survives; the newest messages are kept in order.
    CHECK(batch[1].what == net_event::kind::connected);
    CHECK(batch[2].number == 8);
    CHECK(batch[3].number == 9);
    CHECK(batch[4].number == 10);
    CHECK(q.dropped_total() == 7);
}

TEST_CASE("event_queue: a queue full of state changes drops the incoming message, not a state change") {
    event_queue q(2);
    q.push(state(net_event::kind::connected));
    q.push(state(net_event::kind::disconnected));
    q.push(message(1));
    bool more = true;
    auto batch = q.pop_batch(10, more);
    REQUIRE(batch.size() == 3);
    CHECK(batch[0].what == net_event::kind::skipped);
    CHECK(batch[0].number == 1);
    CHECK(batch[1].what == net_event::kind::connected);
    CHECK(batch[2].what == net_event::kind::disconnected);
}

TEST_CASE("event_queue: a producer thread and a polling consumer see every event in order") {
    constexpr int total = 20000;
    event_queue q(total + 1);
    std::thread producer([&] {
        for (int i = 1; i <= total; ++i) q.push(message(i));
    });
    std::int64_t expected = 1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool more = false;
    while (expected <= total && std::chrono::steady_clock::now() < deadline) {
        if (!more && !readable(q.wake_fd(), 100)) continue;
        for (const auto& ev : q.pop_batch(256, more)) {
            REQUIRE(ev.what == net_event::kind::frame);
            REQUIRE(ev.number == expected);
            ++expected;
        }
    }
    producer.join();
    CHECK_MESSAGE(expected == total + 1, "the consumer never received all events");
    CHECK(q.dropped_total() == 0);
}

TEST_CASE("event_queue: a slow consumer under a flood keeps memory bounded and is told what it missed") {
    constexpr int total = 50000;
    event_queue q(64);
    std::atomic<bool> done{false};
    std::thread producer([&] {
        for (int i = 1; i <= total; ++i) q.push(message(i));
        done = true;
    });
    std::int64_t received = 0;
    std::int64_t skipped = 0;
    std::int64_t last = 0;
    // Slow for sure: the consumer takes nothing until the producer is through (push never waits
    // for the consumer, so the join returns), then drains in small batches.
    producer.join();
    CHECK(q.size() <= 64);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool more = false;
    while (std::chrono::steady_clock::now() < deadline) {
        CHECK(q.size() <= 64);
        if (!more && !readable(q.wake_fd(), 50)) {
            if (done && q.size() == 0) break;
            continue;
        }
        for (const auto& ev : q.pop_batch(8, more)) {
            if (ev.what == net_event::kind::skipped) {
                skipped += ev.number;
            } else {
                CHECK(ev.number > last);
                last = ev.number;
                ++received;
            }
        }
    }
    CHECK_MESSAGE(received + skipped == total, "received plus skipped does not account for every event");
    CHECK(last == total);
    // The drop path ran: all but the last 64 were dropped, and the marker said how many.
    CHECK(received <= 64);
    CHECK(skipped >= total - 64);
    CHECK(q.dropped_total() == static_cast<std::size_t>(skipped));
}

TEST_CASE("event_queue: a lossless queue (line mode) drops nothing; a producer that waits for room is called once") {
    event_queue q(4, true);
    int calls = 0;
    q.set_on_room([&] { ++calls; });
    CHECK(q.has_room());
    for (int i = 1; i <= 10; ++i) q.push(message(i));  // one read may carry more than the bound
    CHECK(q.size() == 10);
    CHECK_FALSE(q.has_room());
    CHECK_FALSE(q.has_room());
    bool more = false;
    std::int64_t next = 1;
    auto take = [&](std::size_t n) {
        for (const auto& ev : q.pop_batch(n, more)) {
            CHECK(ev.what == net_event::kind::frame);
            CHECK(ev.number == next);
            ++next;
        }
    };
    take(5);
    CHECK(calls == 0);  // 5 left: over half the bound
    take(3);
    CHECK(calls == 1);  // 2 left: room
    take(2);
    CHECK(calls == 1);  // once per wait
    CHECK(next == 11);
    CHECK(q.dropped_total() == 0);
    CHECK(q.has_room());
    // A queue that is not lossless always has room: it makes it by dropping.
    event_queue lossy(2);
    for (int i = 1; i <= 5; ++i) lossy.push(message(i));
    CHECK(lossy.has_room());
    CHECK(lossy.dropped_total() == 3);
}
