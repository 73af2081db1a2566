// LAN discovery: the datagram format, and chatd's responder against hostile datagrams on loopback
// (garbage, oversized, short, spoofed content, floods): bounded work, no amplification.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "discovery.hpp"
#include "discovery_wire.hpp"
#include "protocol.hpp"
#include "support/test_client.hpp"

namespace {

using namespace std::chrono_literals;
using chat::test::deadline_in;
using chat::test::poll_timeout;
namespace dw = chat::discovery;

// A UDP socket on loopback (127.0.0.1 unless told another 127/8 address) for the test's side.
class udp_peer {
public:
    explicit udp_peer(const char* from = "127.0.0.1") {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &a.sin_addr);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    ~udp_peer() { ::close(fd_); }
    udp_peer(const udp_peer&) = delete;
    udp_peer& operator=(const udp_peer&) = delete;

    bool send(std::string_view data, std::uint16_t port) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
               static_cast<ssize_t>(data.size());
    }
    // The next datagram, or nullopt at the deadline.
    std::optional<std::string> receive(std::chrono::milliseconds within) {
        const auto deadline = deadline_in(within);
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, poll_timeout(deadline)) <= 0) return std::nullopt;
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }

private:
    int fd_ = -1;
};

// The responder on its own io_context thread, on an ephemeral loopback port.
class running_responder {
public:
    explicit running_responder(chat::discovery_responder::config cfg = {}) {
        cfg.at = {asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
        cfg.self.name = "office";
        cfg.self.port = 7667;
        cfg.self.version = 1;
        cfg.self.instance = "0123456789abcdef";
        r_ = std::make_unique<chat::discovery_responder>(io_, cfg, log_);
        REQUIRE(r_->start());
        port = r_->port();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~running_responder() {
        asio::post(io_, [this] { r_->stop(); });
        thread_.join();  // returns once the read loops saw the sockets close
    }
    chat::discovery_responder::counters stats() {
        std::promise<chat::discovery_responder::counters> p;
        auto f = p.get_future();
        asio::post(io_, [&] { p.set_value(r_->stats()); });
        REQUIRE(f.wait_for(5s) == std::future_status::ready);
        return f.get();
    }
    std::uint16_t port = 0;

private:
    asio::io_context io_{1};
    chat::logger log_{false, false};
    std::unique_ptr<chat::discovery_responder> r_;
    std::thread thread_;
};

// Waits until `pred(stats)` holds, failing with `what` at the deadline.
template <class Pred>
void wait_stats(running_responder& r, Pred pred, const char* what) {
    const auto deadline = deadline_in(5000ms);
    for (;;) {
        if (pred(r.stats())) return;
        if (chat::test::test_clock::now() > deadline) FAIL(what);
        std::this_thread::yield();
    }
}

}  // namespace

TEST_CASE("discovery datagrams: a query is padded, an answer parses back, and neither trusts more than the format") {
    const std::string q = dw::encode_query("abc123");
    CHECK(q.size() == dw::min_query);
    std::string id;
    CHECK(dw::parse_query(q, id) == dw::verdict::ok);
    CHECK(id == "abc123");

    CHECK(dw::parse_query(R"({"type":"discover","version":1,"id":"abc"})", id) == dw::verdict::too_short);
    CHECK(dw::parse_query(std::string(dw::max_datagram + 1, ' '), id) == dw::verdict::too_long);
    auto padded = [](std::string s) {
        s.resize(dw::min_query, ' ');
        return s;
    };
    CHECK(dw::parse_query(padded("garbage"), id) == dw::verdict::garbage);
    CHECK(dw::parse_query(padded(R"({"type":"chatd","version":1,"id":"abc"})"), id) == dw::verdict::garbage);
    CHECK(dw::parse_query(padded(R"({"type":"discover","id":"abc"})"), id) == dw::verdict::garbage);
    CHECK(dw::parse_query(padded(R"({"type":"discover","version":1,"id":"a b"})"), id) == dw::verdict::garbage);
    CHECK(dw::parse_query(padded(R"({"type":"discover","version":1,"id":""})"), id) == dw::verdict::garbage);
    CHECK(dw::parse_query(padded(R"({"type":"discover","version":1,"id":"abc","x":[[[[1]]]]})"), id) ==
          dw::verdict::garbage);
    CHECK(dw::parse_query(padded("{\"type\":\"discover\",\"version\":1,\"id\":\"\xff\"}"), id) == dw::verdict::garbage);
    CHECK(dw::parse_query(padded(R"({"type":"discover","version":2,"id":"later"})"), id) == dw::verdict::ok);

    dw::answer a;
    a.id = "abc123";
    a.name = "Büro \"3\" \\ 🖥";
    a.port = 7668;
    a.version = 1;
    a.instance = "0123456789abcdef";
    a.fingerprint = "SHA256:AbC+/=_-";
    const std::string out = dw::encode_answer(a);
    const auto back = dw::parse_answer(out, "abc123");
    REQUIRE(back);
    CHECK(back->name == a.name);
    CHECK(back->port == 7668);
    CHECK(back->version == 1);
    CHECK(back->instance == a.instance);
    CHECK(back->fingerprint == a.fingerprint);
    CHECK_FALSE(dw::parse_answer(out, "another"));  // not an answer to our query

    // The longest answer a server can send still fits in the shortest query it answers.
    a.id = std::string(dw::max_id, 'i');
    a.name = std::string(dw::max_name, '"');
    a.instance = std::string(dw::max_instance, 'n');
    a.fingerprint = std::string(dw::max_fingerprint, '=');
    a.port = 65535;
    CHECK(dw::encode_answer(a).size() <= dw::min_query);

    auto answer_with = [](const std::string& fields) {
        return R"({"type":"chatd","id":"q","version":1,)" + fields + "}";
    };
    CHECK(dw::parse_answer(answer_with(R"("name":"a","port":7667)"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"a","port":0)"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"a","port":65536)"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"a","port":"7667")"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"","port":7667)"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"a\u001b[2J","port":7667)"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"a\u202e","port":7667)"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"a","port":7667,"fingerprint":"x y")"), "q"));
    CHECK_FALSE(dw::parse_answer(answer_with(R"("name":"a","port":7667,"instance":7)"), "q"));
    CHECK_FALSE(dw::parse_answer(std::string(dw::max_datagram + 1, ' '), "q"));
    // Where to connect is never taken from the content.
    const auto spoof = dw::parse_answer(answer_with(R"("name":"a","port":7667,"address":"0.0.0.0","host":"x")"), "q");
    REQUIRE(spoof);
    CHECK(spoof->name == "a");
}

TEST_CASE("discovery names: a host name is made valid, cut on a character boundary") {
    CHECK(dw::make_name("office-pc") == "office-pc");
    CHECK(dw::make_name("a\x1b[2Jb\xff") == "a[2Jb\xEF\xBF\xBD");
    const std::string long_name = std::string(63, 'x') + "é";
    CHECK(dw::make_name(long_name) == std::string(63, 'x'));
    CHECK(dw::make_name("\x01\x02").empty());
    CHECK(dw::valid_name("Büro 3"));
    CHECK_FALSE(dw::valid_name(std::string(65, 'x')));
    CHECK_FALSE(dw::valid_name("tab\there"));
    CHECK(dw::valid_id(dw::random_id()));
    CHECK(dw::random_id() != dw::random_id());
}

TEST_CASE("discovery responder: answers go only where a host can be, never to a service port or a broadcast") {
    using asio::ip::make_address;
    using ep = asio::ip::udp::endpoint;
    using chat::discovery_responder;
    CHECK(discovery_responder::answerable(ep(make_address("192.168.1.20"), 40000), 7667));
    CHECK(discovery_responder::answerable(ep(make_address("fe80::1"), 40000), 7667));
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("192.168.1.20"), 53), 7667));    // DNS
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("192.168.1.20"), 7), 7667));     // echo: a loop
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("192.168.1.20"), 7667), 7667));  // another responder
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("192.168.1.20"), 0), 7667));
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("0.0.0.0"), 40000), 7667));
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("255.255.255.255"), 40000), 7667));
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("::ffff:255.255.255.255"), 40000), 7667));
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("224.0.0.1"), 40000), 7667));
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("ff02::1"), 40000), 7667));
    CHECK_FALSE(discovery_responder::answerable(ep(make_address("::"), 40000), 7667));
}

TEST_CASE("discovery responder: a query is answered to its source, no bigger than the query") {
    running_responder r;
    udp_peer me;
    const std::string q = dw::encode_query("first");
    REQUIRE(me.send(q, r.port));
    const auto got = me.receive(3000ms);
    REQUIRE_MESSAGE(got, "no answer to a valid query");
    CHECK(got->size() <= q.size());
    const auto a = dw::parse_answer(*got, "first");
    REQUIRE(a);
    CHECK(a->name == "office");
    CHECK(a->port == 7667);
    CHECK(a->version == 1);
    CHECK(a->instance == "0123456789abcdef");
    CHECK(a->fingerprint.empty());
}

TEST_CASE("discovery responder: garbage, short, oversized and spoofed-content datagrams get nothing back") {
    running_responder r;
    udp_peer me;
    std::string big = dw::encode_query("big");
    big.resize(dw::max_datagram + 500, ' ');
    REQUIRE(me.send(big, r.port));
    REQUIRE(me.send(R"({"type":"discover","version":1,"id":"short"})", r.port));
    REQUIRE(me.send(std::string(dw::min_query, '\xff'), r.port));
    REQUIRE(me.send(std::string(600, '{'), r.port));
    std::string empty;
    REQUIRE(me.send(empty, r.port));
    // A query naming somewhere else to answer: the answer still goes to the source, once.
    std::string redirect = R"({"type":"discover","version":1,"id":"redirect","reply_to":"10.0.0.1:53"})";
    redirect.resize(dw::min_query, ' ');
    REQUIRE(me.send(redirect, r.port));
    // Datagrams from one socket on loopback arrive in order: the first answer must be the redirect's.
    const auto got = me.receive(3000ms);
    REQUIRE_MESSAGE(got, "no answer to the valid query after the hostile ones");
    CHECK(dw::parse_answer(*got, "redirect"));
    wait_stats(r, [](const auto& s) { return s.received >= 6; }, "the responder never read all six datagrams");
    const auto s = r.stats();
    CHECK(s.too_long == 1);
    CHECK(s.too_short == 2);  // the short query and the empty datagram
    CHECK(s.garbage == 2);
    CHECK(s.answered == 1);
    // Nothing else came back.
    REQUIRE(me.send(dw::encode_query("after"), r.port));
    const auto next = me.receive(3000ms);
    REQUIRE(next);
    CHECK(dw::parse_answer(*next, "after"));
}

TEST_CASE("discovery responder: a flood costs a bounded number of reads and answers per second") {
    chat::discovery_responder::config cfg;
    cfg.reads_per_second = 50;
    cfg.answers_per_second = 20;
    cfg.answers_per_source = 5;
    const auto started = std::chrono::steady_clock::now();
    running_responder r(cfg);
    udp_peer flooder;
    const std::string q = dw::encode_query("flood");
    std::uint64_t sent = 0;
    // Flood until the responder has stopped reading for a second at its budget.
    const auto deadline = deadline_in(10'000ms);
    while (r.stats().paused == 0) {
        for (int i = 0; i < 100; ++i) sent += flooder.send(q, r.port) ? 1 : 0;
        REQUIRE_MESSAGE(chat::test::test_clock::now() < deadline, "the responder never paused at its read budget");
    }
    const auto s = r.stats();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto windows = static_cast<std::uint64_t>(seconds) + 2;
    MESSAGE("flood: " << sent << " sent, " << s.received << " read, " << s.answered << " answered in " << seconds << " s");
    CHECK(sent > s.received);
    CHECK(s.received <= cfg.reads_per_second * windows);
    CHECK(s.answered <= cfg.answers_per_source * windows);
    CHECK(s.answered + s.over_budget == s.received);
    // What came back is bounded the same way, and each answer is smaller than its query.
    std::uint64_t answers = 0;
    while (auto a = flooder.receive(200ms)) {
        CHECK(a->size() <= q.size());
        ++answers;
    }
    CHECK(answers <= s.answered);
}

TEST_CASE("discovery responder: one address flooding leaves answers for the others") {
    chat::discovery_responder::config cfg;
    cfg.reads_per_second = 100000;  // only the answer budgets in play
    cfg.answers_per_second = 20;
    cfg.answers_per_source = 3;
    running_responder r(cfg);
    udp_peer flooder("127.0.0.1");
    const std::string q = dw::encode_query("flood");
    for (int i = 0; i < 50; ++i) REQUIRE(flooder.send(q, r.port));
    wait_stats(r, [](const auto& s) { return s.over_budget >= 1; }, "the flood never went over the per-source budget");
    // Another host (another loopback address) is still answered in the same second.
    udp_peer other("127.0.0.2");
    REQUIRE(other.send(dw::encode_query("other"), r.port));
    const auto got = other.receive(3000ms);
    REQUIRE_MESSAGE(got, "a second address got no answer while the first flooded");
    CHECK(dw::parse_answer(*got, "other"));
}
