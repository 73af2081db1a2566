// The session's pure parts without a socket: the send queue (cap, partial writes, the line already
// begun, compaction) and the deadlines (what is due at `now`).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "deadlines.hpp"
#include "send_queue.hpp"

namespace {

using chat::share;
using chat::send_queue;

// What gather offers, as one string.
std::string offered(const send_queue& q, std::size_t max_iov = 1024, std::size_t max_bytes = 1 << 20) {
    std::vector<iovec> iov;
    const std::size_t n = q.gather(iov, max_iov, max_bytes);
    std::string out;
    for (const iovec& v : iov) out.append(static_cast<const char*>(v.iov_base), v.iov_len);
    CHECK(out.size() == n);
    return out;
}

}  // namespace

TEST_CASE("send_queue: a line that would pass the cap is refused whole, and the cap counts unsent bytes") {
    send_queue q(10);
    CHECK(q.empty());
    CHECK(q.push(share("12345")));
    CHECK(q.push(share("1234")));
    CHECK_FALSE(q.push(share("12")));  // 9 + 2 > 10
    CHECK(q.bytes() == 9);
    CHECK(offered(q) == "123451234");
    q.consume(5);  // the first line is out: room again
    CHECK(q.push(share("123456")));
    CHECK(q.bytes() == 10);
    CHECK(offered(q) == "1234123456");
}

TEST_CASE("send_queue: a partial write resumes inside the line, in order") {
    send_queue q(100);
    REQUIRE(q.push(share("abc\n")));
    REQUIRE(q.push(share("defg\n")));
    q.consume(2);
    CHECK(q.bytes() == 7);
    CHECK(offered(q) == "c\ndefg\n");
    q.consume(4);  // the rest of the first line and two bytes of the second
    CHECK(offered(q) == "fg\n");
    q.consume(3);
    CHECK(q.empty());
    CHECK(q.bytes() == 0);
    CHECK(offered(q).empty());
}

TEST_CASE("send_queue: gather stops at max_iov entries and after max_bytes") {
    send_queue q(1000);
    for (const char* l : {"aa", "bb", "cc", "dd"}) REQUIRE(q.push(share(l)));
    std::vector<iovec> iov;
    CHECK(q.gather(iov, 2, 1000) == 4);
    CHECK(iov.size() == 2);
    CHECK(q.gather(iov, 1024, 3) == 4);  // the line that reaches max_bytes is offered whole, no more
    CHECK(iov.size() == 2);
    CHECK(q.gather(iov, 1024, 1000) == 8);
    CHECK(iov.size() == 4);
}

TEST_CASE("send_queue: on overflow the line already begun is kept whole and the last word passes the cap") {
    send_queue q(12);
    REQUIRE(q.push(share("first\n")));
    REQUIRE(q.push(share("second\n")) == false);  // 6 + 7 > 12
    REQUIRE(q.push(share("2nd\n")));
    q.consume(3);  // "fir" is out
    q.drop_unbegun();
    CHECK(offered(q) == "st\n");
    CHECK(q.bytes() == 3);
    q.push_past_cap(share("error: you stopped reading\n"));
    CHECK(q.bytes() == 3 + 27);
    CHECK(offered(q) == "st\nerror: you stopped reading\n");

    send_queue fresh(100);  // nothing begun: everything goes
    REQUIRE(fresh.push(share("a\n")));
    REQUIRE(fresh.push(share("b\n")));
    fresh.drop_unbegun();
    CHECK(fresh.empty());
    CHECK(fresh.bytes() == 0);
}

TEST_CASE("send_queue: taken lines are compacted away, and a drained queue gives its storage back") {
    send_queue q(1 << 20);
    for (int i = 0; i < 2000; ++i) REQUIRE(q.push(share("x")));
    q.consume(1000);  // 1000 taken of 2000: not yet most of a large queue
    CHECK(q.stored() == 2000);
    q.consume(100);  // 1100 taken, more than half: compacted
    CHECK(q.stored() == 900);
    CHECK(q.bytes() == 900);
    CHECK(offered(q, 2) == "xx");
    q.consume(900);
    CHECK(q.empty());
    CHECK(q.stored() == 0);
    CHECK(q.reserved() == 0);  // a burst's storage is released

    for (int i = 0; i < 3; ++i) REQUIRE(q.push(share("y")));
    CHECK(q.reserved() >= 8);  // the first line reserved room for a few: one allocation, not three
    q.consume(2);
    CHECK(q.reserved() >= 8);  // not drained yet: kept
    q.consume(1);
    CHECK(q.empty());
    CHECK(q.reserved() == 0);  // a small queue drained gives its storage back too: idle costs nothing
}

namespace {

using chat::deadlines;
using due = deadlines::due;
using std::chrono::milliseconds;

chat::limits timing() {
    chat::limits lim;
    lim.hello_timeout = milliseconds(10'000);
    lim.ping_interval = milliseconds(45'000);
    lim.ping_timeout = milliseconds(30'000);
    lim.write_stall = milliseconds(20'000);
    return lim;
}

const deadlines::time_point t0{std::chrono::hours(1)};

}  // namespace

TEST_CASE("deadlines: hello, then the keep-alive ping and its answer") {
    const chat::limits lim = timing();
    deadlines d(lim, t0);
    CHECK(d.next(false) == t0 + lim.hello_timeout);
    CHECK(d.on_due(t0 + lim.hello_timeout - milliseconds(1), false) == due::nothing);
    CHECK(d.on_due(t0 + lim.hello_timeout, false) == due::hello_timeout);

    // Registered and heard at t1: quiet until ping_interval, then a ping.
    const auto t1 = t0 + milliseconds(500);
    d.heard(t1);
    CHECK(d.next(true) == t1 + lim.ping_interval);
    CHECK(d.on_due(t1 + lim.ping_interval - milliseconds(1), true) == due::nothing);
    const auto ping_at = t1 + lim.ping_interval;
    CHECK(d.on_due(ping_at, true) == due::send_ping);
    CHECK(d.ping_token() == 1);
    CHECK(d.next(true) == ping_at + lim.ping_timeout);
    CHECK(d.on_due(ping_at + milliseconds(1), true) == due::nothing);  // no second ping meanwhile

    // Any frame answers: the schedule starts over from it.
    const auto answer = ping_at + milliseconds(2000);
    d.heard(answer);
    CHECK(d.on_due(answer, true) == due::nothing);
    CHECK(d.next(true) == answer + lim.ping_interval);

    // The next ping goes unanswered.
    const auto ping2 = answer + lim.ping_interval;
    CHECK(d.on_due(ping2, true) == due::send_ping);
    CHECK(d.ping_token() == 2);
    CHECK(d.on_due(ping2 + lim.ping_timeout - milliseconds(1), true) == due::nothing);
    CHECK(d.on_due(ping2 + lim.ping_timeout, true) == due::ping_timeout);
}

TEST_CASE("deadlines: a write stall starts once, restarts on progress, ends when all is written") {
    const chat::limits lim = timing();
    deadlines d(lim, t0);
    d.heard(t0);
    CHECK_FALSE(d.stalling());
    CHECK(d.write_blocked(t0));
    CHECK_FALSE(d.write_blocked(t0 + milliseconds(5)));  // already running: not restarted
    CHECK(d.stalling());
    CHECK(d.next(true) == t0 + lim.write_stall);  // nearer than the ping
    CHECK(d.on_due(t0 + lim.write_stall - milliseconds(1), true) == due::nothing);

    const auto t1 = t0 + milliseconds(15'000);
    d.write_progress(t1, false);  // a byte taken: the peer reads, slowly
    CHECK(d.on_due(t0 + lim.write_stall, true) == due::nothing);
    CHECK(d.next(true) == t1 + lim.write_stall);
    CHECK(d.on_due(t1 + lim.write_stall, true) == due::write_stall);

    d.write_progress(t1 + milliseconds(1), true);
    CHECK_FALSE(d.stalling());
    CHECK(d.next(true) == t0 + lim.ping_interval);

    chat::limits never = lim;
    never.write_stall = milliseconds(0);  // --write-stall 0: a blocked write never closes
    deadlines n(never, t0);
    n.write_blocked(t0);
    CHECK_FALSE(n.stalling());
    CHECK(n.on_due(t0 + std::chrono::hours(1), false) == due::hello_timeout);
}

TEST_CASE("deadlines: a closing session has only its linger left") {
    chat::limits lim = timing();
    lim.hello_timeout = milliseconds(50);
    deadlines d(lim, t0);
    d.write_blocked(t0);
    d.closing(t0 + milliseconds(100), milliseconds(2000));
    const auto end = t0 + milliseconds(2100);
    CHECK(d.next(false) == end);
    CHECK(d.on_due(t0 + milliseconds(1000), false) == due::nothing);  // the hello no longer matters
    CHECK(d.on_due(end - milliseconds(1), false) == due::nothing);
    CHECK(d.on_due(end, false) == due::linger_over);
}
