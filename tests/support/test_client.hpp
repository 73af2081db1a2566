// A blocking loopback client for tests: one TCP connection that speaks the chatd wire format, waits with
// poll() and deadlines (never sleeps), and fails the running doctest case naming what never arrived.
#pragma once

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

#include <doctest/doctest.h>

#include "framing.hpp"
#include "protocol.hpp"

namespace chat::test {

using test_clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline test_clock::time_point deadline_in(std::chrono::milliseconds ms) { return test_clock::now() + ms; }

// Milliseconds left until `deadline` as a poll() timeout (0 once it has passed).
inline int poll_timeout(test_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - test_clock::now());
    if (left.count() <= 0) return 0;
    return left.count() > 60'000 ? 60'000 : static_cast<int>(left.count());
}

// First `n` bytes of `s` for failure messages, so a huge frame does not flood the test log.
inline std::string preview(std::string_view s, std::size_t n = 300) {
    return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

class test_client {
public:
    // Server frames nest 3 levels at most (rooms -> array -> object); 16 leaves room for additions.
    static constexpr std::size_t max_depth = 16;
    static constexpr std::size_t max_line = 1 << 20;

    test_client() = default;
    test_client(const std::string& host, std::uint16_t port, const std::string& local_addr = {}) {
        REQUIRE_MESSAGE(connect(host, port, local_addr), "could not connect to " << host << ":" << port);
    }
    ~test_client() { close(); }
    test_client(const test_client&) = delete;
    test_client& operator=(const test_client&) = delete;
    test_client(test_client&& o) noexcept { *this = std::move(o); }
    test_client& operator=(test_client&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = std::exchange(o.fd_, -1);
            rcvbuf_ = o.rcvbuf_;
            closed_ = o.closed_;
            frames_received_ = o.frames_received_;
            auto_pong_ = o.auto_pong_;
            nick_ = std::move(o.nick_);
            splitter_ = std::move(o.splitter_);
        }
        return *this;
    }

    // Shrinks the kernel receive buffer; call before connect() so the advertised window is small too.
    void set_rcvbuf(int bytes) {
        rcvbuf_ = bytes;
        if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf_, sizeof rcvbuf_);
    }

    // Connects (IPv4 or IPv6 literal), optionally from a chosen local address such as 127.0.0.2.
    bool connect(const std::string& host, std::uint16_t port, const std::string& local_addr = {},
                 test_clock::time_point deadline = deadline_in(5s)) {
        close();
        closed_ = false;
        splitter_ = line_splitter(max_line);
        sockaddr_storage addr{};
        socklen_t len = 0;
        if (!make_addr(host, port, addr, len)) return false;
        fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return false;
        if (rcvbuf_ > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf_, sizeof rcvbuf_);
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (!local_addr.empty()) {
            sockaddr_storage local{};
            socklen_t local_len = 0;
            if (!make_addr(local_addr, 0, local, local_len) ||
                ::bind(fd_, reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
                close();
                return false;
            }
        }
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0) return true;
        if (errno != EINPROGRESS) {
            close();
            return false;
        }
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, poll_timeout(deadline)) != 1) {
            close();
            return false;
        }
        int err = 0;
        socklen_t err_len = sizeof err;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &err_len);
        if (err != 0) close();
        return err == 0;
    }

    bool connected() const { return fd_ >= 0; }

    // Answer every server ping read from now on with a pong carrying its token, as a live client does.
    void set_auto_pong(bool on) { auto_pong_ = on; }
    int fd() const { return fd_; }

    // Writes all of `bytes`; false if the peer is gone or the deadline passed first.
    bool send_raw(std::string_view bytes, test_clock::time_point deadline = deadline_in(5s)) {
        if (fd_ < 0) return false;
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n > 0) {
                bytes.remove_prefix(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                pollfd p{fd_, POLLOUT, 0};
                if (::poll(&p, 1, poll_timeout(deadline)) <= 0) return false;
                continue;
            }
            return false;
        }
        return true;
    }

    bool send(const json& frame, test_clock::time_point deadline = deadline_in(5s)) {
        return send_raw(chat::encode(frame), deadline);
    }

    // The next frame from the server, or nullopt on timeout or once the server closed the connection.
    std::optional<json> next_frame(test_clock::time_point deadline = deadline_in(5s)) {
        std::string line;
        for (;;) {
            switch (splitter_.next(line)) {
            case line_splitter::status::line: {
                auto r = chat::decode(line, max_depth);
                if (!r) FAIL("the server sent an undecodable line (" << r.error.code << "): " << preview(line));
                ++frames_received_;
                last_line_ = line;
                if (auto_pong_ && r.value->type == "ping") {
                    json pong{{"type", "pong"}};
                    if (r.value->body.contains("token")) pong["token"] = r.value->body["token"];
                    send(pong);
                }
                return std::move(r.value->body);
            }
            case line_splitter::status::too_long:
                FAIL("the server sent a line over " << max_line << " bytes");
                return std::nullopt;
            case line_splitter::status::need_more:
                break;
            }
            if (fd_ < 0 || closed_) return std::nullopt;
            if (!read_some(deadline)) return std::nullopt;
        }
    }

    // Skips frames until one satisfies `pred`; fails the test naming `what` if it never arrives.
    json wait_for(const std::function<bool(const json&)>& pred, const std::string& what,
                  test_clock::time_point deadline = deadline_in(5s)) {
        if (auto f = find(pred, deadline)) return std::move(*f);
        FAIL("never received " << what << end_reason());
        return {};
    }

    json wait_for(const std::string& type, test_clock::time_point deadline = deadline_in(5s)) {
        return wait_for([&](const json& f) { return f.value("type", "") == type; },
                        "a \"" + type + "\" frame", deadline);
    }

    // Waits for an error frame with this code.
    json wait_for_error(const std::string& code, test_clock::time_point deadline = deadline_in(5s)) {
        return wait_for(
            [&](const json& f) { return f.value("type", "") == "error" && f.value("code", "") == code; },
            "error \"" + code + "\"", deadline);
    }

    // Like wait_for, but absence is a value rather than a failure.
    std::optional<json> find(const std::function<bool(const json&)>& pred,
                             test_clock::time_point deadline = deadline_in(5s)) {
        while (auto f = next_frame(deadline)) {
            if (pred(*f)) return f;
        }
        return std::nullopt;
    }

    // Sends hello and waits for welcome; fails the test on any error frame or a close.
    json hello(const std::string& nick, test_clock::time_point deadline = deadline_in(5s)) {
        REQUIRE_MESSAGE(send(json{{"type", "hello"}, {"version", protocol_version}, {"nick", nick}}),
                        "could not send hello for " << nick);
        while (auto f = next_frame(deadline)) {
            const std::string type = f->value("type", "");
            if (type == "welcome") {
                nick_ = f->value("nick", nick);
                return std::move(*f);
            }
            if (type == "error") FAIL("hello as " << nick << " was refused: " << f->dump());
        }
        FAIL("never received welcome for " << nick << end_reason());
        return {};
    }

    // The nick the server welcomed this client with (empty before that).
    const std::string& nick() const { return nick_; }

    bool say(const std::string& room, const std::string& text) {
        return send(json{{"type", "say"}, {"room", room}, {"text", text}});
    }

    // True once the server has closed the connection (read gives 0 or ECONNRESET; this side then
    // closes too); frames still in flight are read and dropped. False if it is still open at the deadline.
    bool is_closed(test_clock::time_point deadline = deadline_in(5s)) {
        while (!closed_ && fd_ >= 0) {
            if (next_frame(deadline)) continue;
            if (test_clock::now() >= deadline) break;
        }
        return closed_ || fd_ < 0;
    }

    // Whether the server closed the connection, as seen by the reads done so far.
    bool peer_closed() const { return closed_; }
    std::size_t frames_received() const { return frames_received_; }
    // The raw bytes of the last frame next_frame returned (without its '\n').
    const std::string& last_line() const { return last_line_; }

    // Resets the connection: SO_LINGER {1, 0} makes close() send RST instead of FIN.
    void abort() {
        if (fd_ < 0) return;
        const linger lg{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close();
    }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    std::string end_reason() const {
        return closed_ ? std::string(" (the server closed the connection)") : std::string(" (timed out)");
    }

    static bool make_addr(const std::string& host, std::uint16_t port, sockaddr_storage& out, socklen_t& len) {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
        if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(port);
            len = sizeof(sockaddr_in);
            return true;
        }
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
        if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(port);
            len = sizeof(sockaddr_in6);
            return true;
        }
        return false;
    }

    // Reads what is available into the splitter; false on timeout or close.
    bool read_some(test_clock::time_point deadline) {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n > 0) {
                splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
                return true;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                // Like a real client, hang up once the server has: it may wait for that before it
                // frees the connection's slot.
                closed_ = true;
                close();
                return false;
            }
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, poll_timeout(deadline));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return false;
        }
    }

    int fd_ = -1;
    int rcvbuf_ = 0;
    bool closed_ = false;
    bool auto_pong_ = false;
    std::size_t frames_received_ = 0;
    std::string last_line_;
    std::string nick_;
    line_splitter splitter_{max_line};
};

}  // namespace chat::test
