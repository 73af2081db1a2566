// The client's network thread against a small fake server on loopback: events for connect,
// frames and garbage, automatic pong, keep-alive timeout, oversized lines, and reconnecting.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <functional>
#include <string>

#include "connection.hpp"
#include "event_queue.hpp"
#include "protocol.hpp"
#include "support/loopback_listener.hpp"
#include "support/tls_peer.hpp"

using namespace chat::client;
using clock_type = std::chrono::steady_clock;

namespace {

// A listening loopback socket that accepts one client at a time; closes everything it opened.
class fake_server {
public:
    fake_server() {
        listen_fd_ = chat::test::listen_loopback(port_, 4);
    }
    ~fake_server() {
        drop();
        if (listen_fd_ >= 0) ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }

    bool accept_client(int timeout_ms = 5000) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) != 1) return false;
        drop();
        client_fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        buf_.clear();
        return client_fd_ >= 0 && tls_.accept(client_fd_);
    }
    void send(const std::string& bytes) {
        REQUIRE(client_fd_ >= 0);
        REQUIRE(tls_.send(bytes));
    }
    // The next line the client sent, or "" after the deadline or on close.
    std::string read_line(int timeout_ms = 5000) {
        const auto deadline = clock_type::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            if (auto nl = buf_.find('\n'); nl != std::string::npos) {
                std::string line = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
            if (left <= 0 || client_fd_ < 0) return {};
            char tmp[4096];
            const auto n = tls_.recv(tmp, sizeof tmp, static_cast<int>(left));
            if (n <= 0) return {};
            buf_.append(tmp, static_cast<std::size_t>(n));
        }
    }
    void drop() {
        tls_.reset();
        if (client_fd_ >= 0) ::close(client_fd_);
        client_fd_ = -1;
    }
    void stop_listening() {
        ::close(listen_fd_);
        listen_fd_ = -1;
    }

private:
    int listen_fd_ = -1;
    int client_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string buf_;
    chat::test::tls_peer tls_;
};

// Reads events in order, keeping those that arrived after the one waited for.
struct event_reader {
    event_queue& q;
    std::deque<net_event> backlog;

    // Waits for an event matching `want`, skipping others; fails the test naming `what` on timeout.
    net_event wait(const char* what, const std::function<bool(const net_event&)>& want, int timeout_ms = 5000) {
        const auto deadline = clock_type::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            while (!backlog.empty()) {
                net_event ev = std::move(backlog.front());
                backlog.pop_front();
                if (want(ev)) return ev;
            }
            bool more = false;
            for (auto& ev : q.pop_batch(64, more)) backlog.push_back(std::move(ev));
            if (!backlog.empty()) continue;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
            if (left <= 0) {
                FAIL("never happened: " << std::string(what));
                return {};
            }
            pollfd p{q.wake_fd(), POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(left));
        }
    }
};

auto is(net_event::kind k) {
    return [k](const net_event& e) { return e.what == k; };
}

auto is_frame(const char* type) {
    return [type](const net_event& e) { return e.what == net_event::kind::frame && e.body.type == type; };
}

// The fake server's key pinned in a known_servers file of this test process.
std::string pinned_known_servers() {
    struct temp_file {
        std::string path;
        temp_file() {
            char tmpl[] = "/tmp/chat-known.XXXXXX";
            const int fd = ::mkstemp(tmpl);
            REQUIRE(fd >= 0);
            ::close(fd);
            path = tmpl;
        }
        ~temp_file() { ::unlink(path.c_str()); }
    };
    static const temp_file file;
    return file.path;
}

connection_config config_for(std::uint16_t port) {
    connection_config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = port;
    // Each fake server has its own port: its first connection pins it, as --trust-first-use does.
    cfg.known_servers_path = pinned_known_servers();
    cfg.trust = chat::test::tls_peer::fingerprint();
    cfg.backoff_first = std::chrono::milliseconds(50);
    cfg.backoff_max = std::chrono::milliseconds(200);
    cfg.register_timeout = std::chrono::milliseconds(1000);
    return cfg;
}

const std::string welcome_line =
    R"({"type":"welcome","version":1,"nick":"alice","server":"fake","instance":"x","default_room":"#lobby","limits":{}})"
    "\n";

// A fake server and a started connection to it; `tune` adjusts the configuration first.
struct rig {
    fake_server server;
    event_queue q;
    event_reader events{q, {}};
    connection conn;

    explicit rig(const std::function<void(connection_config&)>& tune = {}, std::size_t queue_size = 256)
        : q(queue_size), conn(tuned(server.port(), tune), q) {
        conn.start();
    }
    ~rig() { conn.stop(); }

    // Accepts the client, welcomes it, and waits for the welcome to come through as an event.
    void welcome() {
        REQUIRE_MESSAGE(server.accept_client(), "the client never connected");
        server.send(welcome_line);
        events.wait("welcome frame", is_frame("welcome"));
    }

    static connection_config tuned(std::uint16_t port, const std::function<void(connection_config&)>& tune) {
        connection_config cfg = config_for(port);
        if (tune) tune(cfg);
        return cfg;
    }
};

}  // namespace

TEST_CASE("connection: frames arrive as events, garbage is reported, pings are answered") {
    rig r;
    auto& [server, q, events, conn] = r;
    REQUIRE_MESSAGE(server.accept_client(), "the client never connected");
    events.wait("connected event", is(net_event::kind::connected));

    conn.send(chat::encode({{"type", "hello"}, {"version", 1}, {"nick", "alice"}}));
    const std::string hello = server.read_line();
    CHECK(hello.find(R"("type":"hello")") != std::string::npos);

    server.send(welcome_line);
    auto ev = events.wait("welcome frame", is_frame("welcome"));
    CHECK(ev.body.body.value("nick", "") == "alice");

    server.send("this is not json\n{\"no_type\":1}\n\xff\xfe\n");
    auto g = events.wait("garbled event for bad json", is(net_event::kind::garbled));
    CHECK(g.text.find("bad_json") != std::string::npos);
    events.wait("garbled event for a frame without type", is(net_event::kind::garbled));
    g = events.wait("garbled event for bad UTF-8", is(net_event::kind::garbled));
    CHECK(g.text.find("bad_utf8") != std::string::npos);

    // A server ping is answered by the network thread itself, with the same token.
    server.send(R"({"type":"ping","token":77})" "\n");
    const std::string pong = server.read_line();
    REQUIRE_MESSAGE(!pong.empty(), "the network thread never answered the server's ping");
    CHECK(pong + "\n" == chat::encode({{"type", "pong"}, {"token", 77}}));
    CHECK(pong.find(R"("token":77)") != std::string::npos);

    conn.close(chat::encode({{"type", "quit"}}), std::chrono::milliseconds(500));
    CHECK(server.read_line().find(R"("type":"quit")") != std::string::npos);
    server.drop();
    events.wait("closed event after quit", is(net_event::kind::closed));
}

TEST_CASE("connection: a silent server is pinged, then dropped, then reconnected to") {
    rig r([](connection_config& cfg) {
        cfg.ping_idle = std::chrono::milliseconds(200);
        cfg.ping_timeout = std::chrono::milliseconds(200);
    });
    r.welcome();  // after a welcome the connection reconnects by itself

    const auto silent_since = clock_type::now();
    const std::string ping = r.server.read_line(3000);
    CHECK(ping.find(R"("type":"ping")") != std::string::npos);
    auto d = r.events.wait("disconnect after the unanswered ping", is(net_event::kind::disconnected), 3000);
    CHECK(d.text.find("no answer") != std::string::npos);
    // 400 ms of silence are due. The client's clock started when it read the welcome, a moment
    // before this thread saw it; half of the 400 ms is the margin for that on a loaded machine.
    CHECK(clock_type::now() - silent_since >= std::chrono::milliseconds(200));
    auto w = r.events.wait("reconnect countdown", is(net_event::kind::reconnect_wait));
    CHECK(w.number >= 25);
    CHECK(w.number <= 200);
    REQUIRE_MESSAGE(r.server.accept_client(), "the client never reconnected");
    r.events.wait("connected again", is(net_event::kind::connected));
}

TEST_CASE("connection: an oversized line ends the connection with a report") {
    rig r([](connection_config& cfg) { cfg.max_frame = 1024; });
    REQUIRE(r.server.accept_client());
    r.server.send(std::string(4096, 'a'));
    auto g = r.events.wait("garbled event for a line over the cap", is(net_event::kind::garbled));
    CHECK(g.text.find("longer than 1024") != std::string::npos);
    r.events.wait("disconnect after the oversized line", is(net_event::kind::disconnected));
}

TEST_CASE("connection: before any welcome a refused connection is reported once, not retried") {
    std::uint16_t port = 0;
    {
        fake_server server;
        port = server.port();
    }  // closed: nothing listens there now
    event_queue q(64);
    auto cfg = config_for(port);
    cfg.reconnect = false;
    event_reader events{q, {}};
    connection conn(cfg, q);
    conn.start();
    auto d = events.wait("disconnected event for a refused connection", is(net_event::kind::disconnected));
    CHECK(d.text.find("cannot connect") != std::string::npos);
    events.wait("closed event", is(net_event::kind::closed));
    conn.stop();
}

namespace {

// Reconnect attempts 10 s or more apart: the tests below must not be waiting on them.
void long_backoff(connection_config& cfg) {
    cfg.backoff_first = std::chrono::milliseconds(20'000);
    cfg.backoff_max = std::chrono::milliseconds(30'000);
}

}  // namespace

TEST_CASE("connection: stop() ends a connection waiting in backoff promptly") {
    rig r(long_backoff);
    r.welcome();
    r.server.drop();
    r.server.stop_listening();
    r.events.wait("reconnect countdown", is(net_event::kind::reconnect_wait));
    const auto t0 = clock_type::now();
    r.conn.stop();
    // Prompt means well short of the 20 s backoff; the rest is margin for a loaded machine.
    CHECK(clock_type::now() - t0 < std::chrono::seconds(10));
}

TEST_CASE("connection: a server that accepts but never welcomes is given up on") {
    rig r([](connection_config& cfg) {
        cfg.register_timeout = std::chrono::milliseconds(300);
        cfg.reconnect = false;
    });
    REQUIRE(r.server.accept_client());
    const auto t0 = clock_type::now();
    auto d = r.events.wait("disconnect without a welcome", is(net_event::kind::disconnected), 3000);
    CHECK(d.text.find("no welcome") != std::string::npos);
    // The 300 ms timer started when the client connected, a moment before accept_client returned
    // here; half of it is the margin for that on a loaded machine.
    CHECK(clock_type::now() - t0 >= std::chrono::milliseconds(150));
    r.events.wait("closed event", is(net_event::kind::closed));
}

TEST_CASE("connection: reconnect_now() cuts a long backoff short") {
    rig r(long_backoff);
    r.welcome();
    r.server.drop();
    auto w = r.events.wait("reconnect countdown", is(net_event::kind::reconnect_wait));
    CHECK(w.number >= 10'000);
    const auto t0 = clock_type::now();
    r.conn.reconnect_now();
    REQUIRE_MESSAGE(r.server.accept_client(3000), "no new connection after reconnect_now()");
    r.events.wait("connected again", is(net_event::kind::connected));
    CHECK(clock_type::now() - t0 < std::chrono::seconds(3));
}
