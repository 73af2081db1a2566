// The server's end of one TLS connection, blocking, for tests that play the server by hand. Every
// tls_peer presents the same key, made once per test process (fingerprint()).
#pragma once

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <optional>
#include <string>

#include <openssl/ssl.h>

#include "protocol.hpp"

#include "context.hpp"
#include "identity.hpp"

namespace chat::test {

class tls_peer {
public:
    static const chat::tls::identity& server_identity() {
        static const chat::tls::identity id = *chat::tls::make_identity("fake").value;
        return id;
    }
    static SSL_CTX* context() {
        static asio::ssl::context ctx = chat::tls::server_context(server_identity());
        return ctx.native_handle();
    }
    static const std::string& fingerprint() { return server_identity().fingerprint; }

    tls_peer() = default;
    ~tls_peer() { reset(); }
    tls_peer(const tls_peer&) = delete;
    tls_peer& operator=(const tls_peer&) = delete;

    // Runs the server side of the handshake on the accepted `fd` (not owned). A client that does
    // not finish within `timeout_ms` fails it.
    bool accept(int fd, int timeout_ms = 5000) {
        reset();
        fd_ = fd;
        timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ssl_ = SSL_new(context());
        SSL_set_fd(ssl_, fd);
        const bool ok = SSL_accept(ssl_) == 1;
        timeval none{0, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
        return ok;
    }
    bool ready() const { return ssl_ != nullptr; }
    // The client's key, "" if it presented none.
    std::string client_key() const { return ssl_ == nullptr ? std::string() : chat::tls::peer_fingerprint(ssl_); }

    bool send(const std::string& bytes) {
        if (ssl_ == nullptr) return false;
        std::size_t n = 0;
        return SSL_write_ex(ssl_, bytes.data(), bytes.size(), &n) == 1 && n == bytes.size();
    }
    // Up to `cap` bytes, waiting at most `timeout_ms`; 0 on timeout, -1 on close or error.
    long recv(char* buf, std::size_t cap, int timeout_ms) {
        if (ssl_ == nullptr) return -1;
        if (SSL_pending(ssl_) == 0) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) != 1) return 0;
        }
        std::size_t n = 0;
        if (SSL_read_ex(ssl_, buf, cap, &n) != 1) return -1;
        return static_cast<long>(n);
    }
    void reset() {
        if (ssl_ != nullptr) SSL_free(ssl_);
        ssl_ = nullptr;
        fd_ = -1;
    }

private:
    SSL* ssl_ = nullptr;
    int fd_ = -1;
};

// A TLS client of chatd for tests, blocking with deadlines: presents `id` when given (else no
// certificate), trusts whatever key the server shows and reports it (server_key()).
class tls_client {
public:
    // `rcvbuf` > 0 shrinks the socket's receive buffer before connecting (a slow reader's window).
    // `suites`: the TLS 1.3 suites to offer instead of OpenSSL's (a handshake with none it knows fails).
    explicit tls_client(std::uint16_t port, const chat::tls::identity* id = nullptr, int timeout_ms = 5000,
                        int rcvbuf = 0, const char* suites = nullptr)
        : ctx_(chat::tls::client_context(id)) {
        if (suites != nullptr && SSL_CTX_set_ciphersuites(ctx_.native_handle(), suites) != 1) return;
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
        ssl_ = SSL_new(ctx_.native_handle());
        SSL_set_fd(ssl_, fd_);
        handshaken_ = SSL_connect(ssl_) == 1;
        if (handshaken_) server_key_ = chat::tls::peer_fingerprint(ssl_);
    }
    ~tls_client() {
        if (ssl_ != nullptr) SSL_free(ssl_);
        if (fd_ >= 0) ::close(fd_);
    }
    tls_client(const tls_client&) = delete;
    tls_client& operator=(const tls_client&) = delete;

    bool handshaken() const { return handshaken_; }
    const std::string& server_key() const { return server_key_; }
    // The TLS 1.3 suite the server chose, "" before a handshake.
    std::string cipher() const { return handshaken_ ? SSL_get_cipher_name(ssl_) : ""; }

    bool send(const std::string& bytes) {
        std::size_t n = 0;
        return handshaken_ && SSL_write_ex(ssl_, bytes.data(), bytes.size(), &n) == 1 && n == bytes.size();
    }
    bool send(const chat::json& frame) { return send(chat::encode(frame)); }
    // The next line from the server, or nullopt at the end of the stream, on error or after the
    // socket timeout.
    std::optional<std::string> line() {
        for (;;) {
            if (const auto nl = buf_.find('\n'); nl != std::string::npos) {
                std::string l = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return l;
            }
            char tmp[4096];
            std::size_t n = 0;
            if (!handshaken_ || SSL_read_ex(ssl_, tmp, sizeof tmp, &n) != 1) return std::nullopt;
            buf_.append(tmp, n);
        }
    }
    // The next frame of `type` (others skipped), or a null json.
    chat::json wait_for(const std::string& type) {
        while (auto l = line()) {
            auto r = chat::decode(*l, 16);
            if (r && r.value->type == type) return r.value->body;
        }
        return {};
    }

private:
    asio::ssl::context ctx_;
    int fd_ = -1;
    SSL* ssl_ = nullptr;
    bool handshaken_ = false;
    std::string server_key_;
    std::string buf_;
};

}  // namespace chat::test
