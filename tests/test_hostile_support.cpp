// Checks the test support itself (test_client, child_process, /proc readers) against a listening
// socket and processes this file owns, so a failing hostile test points at chatd, not at the harness.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/chatd_process.hpp"
#include "support/loopback_listener.hpp"
#include "support/test_client.hpp"

using namespace chat::test;
using chat::json;

namespace {

// A listening socket on 127.0.0.1 and an ephemeral port, playing the server by hand.
class fake_server {
public:
    fake_server() {
        fd_ = chat::test::listen_loopback(port_);
    }
    ~fake_server() { ::close(fd_); }
    fake_server(const fake_server&) = delete;
    fake_server& operator=(const fake_server&) = delete;

    std::uint16_t port() const { return port_; }

    // Accepts one connection; the caller owns the fd. Also reports the peer's address.
    int accept(std::string* peer = nullptr) const {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        const int c = ::accept4(fd_, reinterpret_cast<sockaddr*>(&a), &len, SOCK_CLOEXEC);
        if (peer) {
            char buf[INET_ADDRSTRLEN] = {};
            ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
            *peer = buf;
        }
        return c;
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

void write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
        REQUIRE(n > 0);
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

TEST_CASE("hostile support: test_client decodes frames, skips to the one awaited, and sees a close") {
    fake_server srv;
    test_client c("127.0.0.1", srv.port(), "127.0.0.2");
    std::string peer;
    const int s = srv.accept(&peer);
    REQUIRE(s >= 0);
    CHECK(peer == "127.0.0.2");

    REQUIRE(c.send(json{{"type", "hello"}, {"version", 1}, {"nick", "x"}}));
    char buf[256];
    const ssize_t n = ::recv(s, buf, sizeof buf, 0);
    REQUIRE(n > 0);
    CHECK(std::string(buf, static_cast<std::size_t>(n)) == "{\"nick\":\"x\",\"type\":\"hello\",\"version\":1}\n");

    // Nothing sent yet: a short wait times out without a frame and without a close.
    CHECK_FALSE(c.next_frame(deadline_in(50ms)).has_value());
    CHECK_FALSE(c.peer_closed());

    // Two frames split oddly across writes, the awaited one second.
    write_all(s, "{\"type\":\"join\",\"room\":\"#a\"}\r\n{\"type\":\"wel");
    write_all(s, "come\",\"nick\":\"x\"}\n");
    const json w = c.wait_for("welcome");
    CHECK(w["nick"] == "x");
    CHECK(c.frames_received() == 2);

    write_all(s, "{\"type\":\"error\",\"code\":\"bad_json\"}\n");
    CHECK(c.wait_for_error("bad_json")["code"] == "bad_json");

    CHECK_FALSE(c.is_closed(deadline_in(50ms)));
    ::close(s);
    CHECK(c.is_closed(deadline_in(2s)));
    CHECK_FALSE(c.send_raw(std::string(1 << 20, 'x'), deadline_in(2s)));
}

TEST_CASE("hostile support: abort() resets the connection instead of closing it") {
    fake_server srv;
    test_client c("127.0.0.1", srv.port());
    const int s = srv.accept();
    REQUIRE(s >= 0);
    c.abort();
    char buf[16];
    pollfd p{s, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 2000) == 1);
    const ssize_t n = ::recv(s, buf, sizeof buf, 0);
    CHECK(n < 0);
    CHECK(errno == ECONNRESET);
    ::close(s);
}

TEST_CASE("hostile support: a refused connect is reported, not hung") {
    std::uint16_t port = 0;
    {
        fake_server srv;
        port = srv.port();
    }
    test_client c;
    CHECK_FALSE(c.connect("127.0.0.1", port, {}, deadline_in(2s)));
}

TEST_CASE("hostile support: child_process runs, limits and reaps a program; /proc readers work") {
    child_process ok({"/bin/sh", "-c", "exit 3"});
    const auto st = ok.wait_exit(deadline_in(5s));
    REQUIRE(st.has_value());
    CHECK(exit_code(*st) == 3);

    spawn_options opts;
    opts.nofile = 64;
    child_process limited({"/bin/sh", "-c", "test \"$(ulimit -n)\" = 64"}, opts);
    const auto lst = limited.wait_exit(deadline_in(5s));
    REQUIRE(lst.has_value());
    CHECK(exit_code(*lst) == 0);

    pid_t pid = -1;
    {
        child_process forever({"/bin/sleep", "30"});
        pid = forever.pid();
        CHECK_FALSE(forever.wait_exit(deadline_in(50ms)).has_value());
        CHECK(proc_rss_kb(pid) > 0);
        CHECK(proc_fd_count(pid) >= 3);
        CHECK(proc_cpu_ticks(pid) >= 0);
    }
    // The destructor killed and reaped it: no such process any more.
    CHECK(::kill(pid, 0) != 0);

    CHECK(proc_rss_kb(::getpid()) > 0);
    CHECK(proc_fd_count(::getpid()) >= 3);
}
