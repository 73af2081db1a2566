#include "transport_tls.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <asio/experimental/as_tuple.hpp>
#include <openssl/err.h>

#include "context.hpp"
#include "wire.hpp"

namespace chat {

namespace {

using asio::use_awaitable;
using asio::experimental::as_tuple;

// The most plaintext in one record (TLS 1.3).
constexpr std::size_t record_max = 16 * 1024;

std::string last_openssl_error() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return {};
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

std::vector<char>& record_scratch() {
    static std::vector<char> buf(record_max);
    return buf;
}

}  // namespace

first_bytes classify_first_bytes(const char* data, std::size_t len) {
    if (len == 0) return first_bytes::garbage;
    if (static_cast<unsigned char>(data[0]) == 0x16) return first_bytes::tls;
    std::size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) ++i;
    if (i < len && data[i] == '{') return first_bytes::json_frame;
    return first_bytes::garbage;
}

tls_transport::tls_transport(asio::ip::tcp::socket socket, const tls_settings& settings)
    : socket_(std::move(socket)), settings_(settings) {
    asio::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
}

tls_transport::~tls_transport() {
    if (ssl_ != nullptr) SSL_free(ssl_);
}

asio::ip::tcp::endpoint tls_transport::remote_endpoint(asio::error_code& ec) const { return socket_.remote_endpoint(ec); }

asio::error_code tls_transport::error_of(int ret, const char* what) {
    const int err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return asio::error::would_block;
    // SSL_OP_IGNORE_UNEXPECTED_EOF: a peer that vanishes without close_notify ends the stream like
    // a TCP FIN, at whatever frame boundary the lines reached (asio calls it stream_truncated).
    if (err == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
    const int saved = errno;
    const std::string detail = last_openssl_error();
    if (err == SSL_ERROR_SYSCALL && detail.empty() && (ret == 0 || saved == 0)) return asio::error::eof;
    failure_ = std::string(what) + ": " + (!detail.empty() ? detail : saved != 0 ? std::strerror(saved) : "TLS error");
    return asio::error::connection_reset;
}

asio::awaitable<asio::error_code> tls_transport::handshake() {
    // What arrives first tells a TLS client from an old plaintext one.
    char first[16];
    ssize_t n = -1;
    for (;;) {
        auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read, as_tuple(use_awaitable));
        if (ec) co_return ec;
        n = ::recv(socket_.native_handle(), first, sizeof first, MSG_PEEK);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        break;
    }
    if (n <= 0) {
        failure_ = "closed before TLS";
        co_return asio::error::eof;
    }
    const first_bytes kind = classify_first_bytes(first, static_cast<std::size_t>(n));
    if (kind != first_bytes::tls) {
        if (kind == first_bytes::json_frame) {
            // Said once in plaintext: an old client or bot learns why, instead of a silent close.
            const std::string line = wire::error(
                "tls_required", "this port speaks TLS; connect with TLS (see docs/protocol.md) or ask the operator "
                                "for a --plaintext-port");
            [[maybe_unused]] const ssize_t w = ::send(socket_.native_handle(), line.data(), line.size(), MSG_NOSIGNAL);
            failure_ = "plaintext JSON on the TLS port";
        } else {
            failure_ = "not TLS";
        }
        co_return asio::error::connection_refused;
    }
    ssl_ = SSL_new(settings_.ctx);
    if (ssl_ == nullptr) {
        failure_ = "no memory for TLS";
        co_return asio::error::no_memory;
    }
    SSL_set_fd(ssl_, socket_.native_handle());
    SSL_set_accept_state(ssl_);
    SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    for (;;) {
        ERR_clear_error();
        const int r = SSL_do_handshake(ssl_);
        if (r == 1) break;
        const int err = SSL_get_error(ssl_, r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            const auto ec = error_of(r, "TLS handshake");
            if (failure_.empty()) failure_ = "TLS handshake: the peer left";
            co_return ec == asio::error::eof ? asio::error::connection_reset : ec;
        }
        auto [ec] = co_await socket_.async_wait(
            err == SSL_ERROR_WANT_READ ? asio::socket_base::wait_read : asio::socket_base::wait_write,
            as_tuple(use_awaitable));
        if (ec) co_return ec;
    }
    peer_fingerprint_ = tls::peer_fingerprint(ssl_);
    if (settings_.allow_list &&
        std::find(settings_.allowed.begin(), settings_.allowed.end(), peer_fingerprint_) == settings_.allowed.end()) {
        const std::string line =
            peer_fingerprint_.empty()
                ? wire::error("key_not_allowed", "this server admits listed keys only, and you presented none")
                : wire::error("key_not_allowed", "your key " + peer_fingerprint_ +
                                                     " is not on this server's list; give it to its operator");
        std::size_t written = 0;
        SSL_write_ex(ssl_, line.data(), line.size(), &written);  // one try: it fits in any socket buffer
        SSL_shutdown(ssl_);
        failure_ = "key " + (peer_fingerprint_.empty() ? std::string("(none)") : peer_fingerprint_) +
                   " is not in --allow-keys";
        co_return asio::error::access_denied;
    }
    co_return asio::error_code{};
}

transport::wait_result tls_transport::wait_readable() {
    // Decrypted bytes already inside OpenSSL raise no readiness event: complete at once.
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) {
        co_await asio::post(socket_.get_executor(), use_awaitable);
        co_return std::tuple<asio::error_code>{};
    }
    co_return co_await socket_.async_wait(asio::socket_base::wait_read, as_tuple(use_awaitable));
}

std::size_t tls_transport::read_now(std::span<char> buf, asio::error_code& ec) {
    ec.clear();
    // Records are taken until none is left or the buffer is full.
    std::size_t total = 0;
    while (total < buf.size()) {
        ERR_clear_error();
        std::size_t got = 0;
        const int r = SSL_read_ex(ssl_, buf.data() + total, buf.size() - total, &got);
        if (r == 1) {
            total += got;
            continue;
        }
        const auto e = error_of(r, "TLS read");
        if (total > 0) return total;  // the error (or end) is met again on the next read
        ec = e;
        return 0;
    }
    return total;
}

std::size_t tls_transport::write_now(std::span<const iovec> bufs, asio::error_code& ec) {
    ec.clear();
    std::vector<char>& rec = record_scratch();
    std::size_t len = 0;
    for (const iovec& v : bufs) {
        const std::size_t take = std::min(v.iov_len, record_max - len);
        std::memcpy(rec.data() + len, v.iov_base, take);
        len += take;
        if (len == record_max) break;
    }
    if (len == 0) return 0;
    ERR_clear_error();
    std::size_t n = 0;
    const int r = SSL_write_ex(ssl_, rec.data(), len, &n);
    if (r == 1) {
        want_read_on_write_ = false;
        return n;
    }
    want_read_on_write_ = SSL_get_error(ssl_, r) == SSL_ERROR_WANT_READ;
    ec = error_of(r, "TLS write");
    return 0;
}

transport::wait_result tls_transport::wait_writable() {
    return socket_.async_wait(want_read_on_write_ ? asio::socket_base::wait_read : asio::socket_base::wait_write,
                              as_tuple(use_awaitable));
}

void tls_transport::shutdown_send() {
    if (ssl_ != nullptr && SSL_is_init_finished(ssl_)) {
        ERR_clear_error();
        SSL_shutdown(ssl_);
        ERR_clear_error();
    }
    asio::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

void tls_transport::close() {
    asio::error_code ec;
    socket_.close(ec);
}

}  // namespace chat
