// chat's side of LAN discovery: it finds a real responder on loopback, takes the address from the
// datagram's source whatever the content says, drops hostile answers, bounds what it lists, and
// makes a login name a valid nick.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "discover.hpp"
#include "discovery.hpp"
#include "discovery_wire.hpp"
#include "support/test_client.hpp"

namespace {

using namespace std::chrono_literals;
namespace dw = chat::discovery;
using chat::client::discover;
using chat::client::discover_config;

// A fake server on 127.0.0.1: for every query it reads, `answer` says what datagrams to send back.
class fake_answerer {
public:
    explicit fake_answerer(std::function<std::vector<std::string>(const std::string& id)> answer)
        : answer_(std::move(answer)) {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~fake_answerer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::uint16_t port = 0;

private:
    void run() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[2048];
            sockaddr_in from{};
            socklen_t len = sizeof from;
            const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
            std::string id;
            if (n <= 0 || dw::parse_query(std::string_view(buf, static_cast<std::size_t>(n)), id) != dw::verdict::ok) {
                continue;
            }
            for (const auto& d : answer_(id)) {
                ::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
            }
        }
    }
    std::function<std::vector<std::string>(const std::string&)> answer_;
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

discover_config quick(std::uint16_t port) {
    discover_config c;
    c.port = port;
    c.window = 700ms;
    return c;
}

}  // namespace

TEST_CASE("chat discovery: finds chatd's responder on loopback within the window") {
    asio::io_context io(1);
    chat::logger quiet(false, false);
    chat::discovery_responder::config cfg;
    cfg.at = {asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    cfg.self = {"", "office", 7000, 1, "0123456789abcdef", ""};
    chat::discovery_responder r(io, cfg, quiet);
    REQUIRE(r.start());
    std::thread t([&] { io.run(); });
    const auto started = std::chrono::steady_clock::now();
    const auto found = discover(quick(r.port()));
    const auto took = std::chrono::steady_clock::now() - started;
    asio::post(io, [&] { r.stop(); });
    t.join();
    REQUIRE(found.servers.size() == 1);
    CHECK(found.sent >= 2);
    CHECK(found.servers[0].name == "office");
    CHECK(found.servers[0].host == "127.0.0.1");
    CHECK(found.servers[0].port == 7000);
    CHECK(chat::client::address_of(found.servers[0]) == "127.0.0.1:7000");
    CHECK(chat::client::list_line(found.servers[0]) == "office\t127.0.0.1\t7000\t-");
    CHECK(took < 2s);
    // Each query was answered, the copies were one server.
    CHECK(r.stats().answered >= 2);
}

TEST_CASE("chat discovery: the address is the datagram's source; hostile answers are dropped") {
    fake_answerer fake([](const std::string& id) {
        auto with = [&](const std::string& fields) {
            return R"({"type":"chatd","version":1,"id":")" + id + "\"," + fields + "}";
        };
        return std::vector<std::string>{
            with(R"("name":"evil","port":7667,"address":"0.0.0.0","host":"10.9.9.9","instance":"a1")"),
            R"({"type":"chatd","version":1,"id":"notyours","name":"stale","port":7667,"instance":"b2"})",
            with(R"("name":"esc\u001b[2J","port":7667,"instance":"c3")"),
            with(R"("name":"zero","port":0,"instance":"d4")"),
            with(R"("name":"big","port":7667,"instance":"e5","pad":")" + std::string(1200, 'x') + "\""),
            "not json at all",
            with(R"("name":"fp","port":7667,"instance":"f6","fingerprint":"bad fingerprint")"),
        };
    });
    const auto found = discover(quick(fake.port));
    REQUIRE(found.servers.size() == 1);
    CHECK(found.servers[0].name == "evil");
    CHECK(found.servers[0].host == "127.0.0.1");  // not 0.0.0.0, not 10.9.9.9
    CHECK(found.servers[0].port == 7667);
}

TEST_CASE("chat discovery: nothing answers: an empty result within the window; a flood of servers is bounded") {
    fake_answerer silent([](const std::string&) { return std::vector<std::string>{}; });
    const auto started = std::chrono::steady_clock::now();
    const auto none = discover(quick(silent.port));
    CHECK(none.servers.empty());
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);

    fake_answerer many([](const std::string& id) {
        std::vector<std::string> out;
        for (int i = 0; i < 100; ++i) {
            out.push_back(R"({"type":"chatd","version":1,"id":")" + id + R"(","name":"s)" + std::to_string(i) +
                          R"(","port":7667,"instance":"i)" + std::to_string(i) + "\"}");
        }
        return out;
    });
    auto cfg = quick(many.port);
    cfg.max_servers = 10;
    const auto lots = discover(cfg);
    CHECK(lots.servers.size() == 10);
    CHECK(lots.not_listed > 0);  // counted and said, not silently dropped
}

TEST_CASE("chat discovery: stops at once when a signal arrives") {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    REQUIRE(::write(p[1], "x", 1) == 1);
    auto cfg = quick(9);  // nobody answers on the discard port
    cfg.window = 10s;
    cfg.signal_fd = p[0];
    const auto started = std::chrono::steady_clock::now();
    const auto r = discover(cfg);
    CHECK(r.interrupted);
    CHECK(std::chrono::steady_clock::now() - started < 2s);
    ::close(p[0]);
    ::close(p[1]);
}

TEST_CASE("chat discovery: a login name becomes a valid nick") {
    const chat::limits lim;
    using chat::client::nick_from;
    CHECK(nick_from("alice", lim) == "alice");
    CHECK(nick_from("jean.dupont", lim) == "jean.dupont");
    CHECK(nick_from("DOMAIN\\bob smith", lim) == "DOMAIN_bob_smith");
    CHECK(nick_from("-x", lim) == "x");
    CHECK(nick_from("averyveryverylongloginname", lim) == "averyveryverylon");
    CHECK(nick_from("admin", lim) == "admin_");
    CHECK(nick_from("", lim) == "guest");
    CHECK(nick_from("ü", lim) == "guest");
    for (const char* login : {"alice", "DOMAIN\\bob", "admin", "", "...", "a b c", "séverine"}) {
        CHECK_FALSE(chat::check_nick(nick_from(login, lim), lim));
    }
    std::string note;
    const std::string mine = chat::client::login_nick(lim, note);
    CHECK_FALSE(chat::check_nick(mine, lim));
    CHECK(note.find(mine) != std::string::npos);
}

TEST_CASE("chat discovery: an announced key is held against known_servers") {
    using chat::client::announced_pin;
    using chat::client::found_server;
    using v = chat::client::pin_check::verdict;
    const std::string a(43, 'A'), b(43, 'B');
    const auto known = chat::client::parse_known_servers("# pins\n10.0.0.5:7666 SHA256:" + a +
                                                          "\n[fe80::1%eth0]:7666 SHA256:" + a + "\n");
    found_server s;
    s.name = "office";
    s.host = "10.0.0.5";
    s.port = 7666;
    s.fingerprint = "SHA256:" + a;
    CHECK(announced_pin(known, s).what == v::trusted);
    s.fingerprint = "SHA256:" + b;
    const auto c = announced_pin(known, s);
    REQUIRE(c.what == v::changed);
    REQUIRE(c.pinned != nullptr);
    CHECK(c.pinned->line == 2);
    const std::string says = chat::client::announced_mismatch_message(s, *c.pinned, "/h/known_servers");
    for (const std::string& part : {std::string("\"office\" at 10.0.0.5:7666"), "SHA256:" + a, "SHA256:" + b,
                                    std::string("line 2 of /h/known_servers"), std::string("does not connect")}) {
        CHECK_MESSAGE(says.find(part) != std::string::npos, part);
    }
    // Another port is another server; no announced key says nothing; IPv6 is matched bracketed.
    s.port = 7667;
    CHECK(announced_pin(known, s).what == v::unknown);
    s.port = 7666;
    s.fingerprint.clear();
    CHECK(announced_pin(known, s).what == v::unknown);
    s.host = "fe80::1%eth0";
    s.fingerprint = "SHA256:" + b;
    CHECK(announced_pin(known, s).what == v::changed);
}
