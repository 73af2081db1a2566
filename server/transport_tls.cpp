#include "transport_tls.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <utility>

#include <asio/bind_allocator.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>

#include "context.hpp"
#include "exact_allocator.hpp"
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

// The records of one write_now, before they are sent (one thread: one batch at a time).
std::string& batch_scratch() {
    static std::string buf;
    return buf;
}

// The socket BIO's behaviour, with writes routed through tls_transport::bio_write.
int bio_write_ex(BIO* b, const char* data, std::size_t len, std::size_t* put) {
    BIO_clear_retry_flags(b);
    auto* t = static_cast<tls_transport*>(BIO_get_data(b));
    *put = 0;
    const long r = t->bio_write(data, len, *put);
    if (r == 0) BIO_set_retry_write(b);
    return r > 0 ? 1 : 0;
}

int bio_read_ex(BIO* b, char* data, std::size_t len, std::size_t* got) {
    BIO_clear_retry_flags(b);
    auto* t = static_cast<tls_transport*>(BIO_get_data(b));
    *got = 0;
    const long r = t->bio_read(data, len, *got);
    if (r == 0) BIO_set_retry_read(b);
    // The peer's FIN, told to OpenSSL as a socket BIO does (SSL_OP_IGNORE_UNEXPECTED_EOF reads it).
    if (r < 0 && errno == 0) BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    return r > 0 ? 1 : 0;
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;  // nothing is held that a flush could send
    case BIO_CTRL_EOF: return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_C_GET_FD: return -1;
    default: return 0;
    }
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

BIO_METHOD* bio_method() {
    static BIO_METHOD* m = [] {
        BIO_METHOD* meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "chatd socket");
        BIO_meth_set_write_ex(meth, bio_write_ex);
        BIO_meth_set_read_ex(meth, bio_read_ex);
        BIO_meth_set_ctrl(meth, bio_ctrl);
        BIO_meth_set_create(meth, bio_create);
        return meth;
    }();
    return m;
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

tls_transport::tls_transport(io_socket socket, const tls_settings& settings)
    : socket_(std::move(socket)), settings_(settings) {
    asio::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
}

tls_transport::~tls_transport() {
    if (ssl_ != nullptr) SSL_free(ssl_);
}

asio::ip::tcp::endpoint tls_transport::remote_endpoint(asio::error_code& ec) const { return socket_.remote_endpoint(ec); }

// Read from the session OpenSSL keeps (the peer's certificate stays there) rather than kept as a
// copy: the session takes it once, after the handshake.
std::string tls_transport::peer_fingerprint() const { return ssl_ != nullptr ? tls::peer_fingerprint(ssl_) : std::string(); }

asio::error_code tls_transport::error_of(int ret, const char* what) {
    const int err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return asio::error::would_block;
    // SSL_OP_IGNORE_UNEXPECTED_EOF: a peer that vanishes without close_notify ends the stream like
    // a TCP FIN, at whatever frame boundary the lines reached (asio calls it stream_truncated).
    if (err == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
    const int saved = errno;
    const std::string detail = last_openssl_error();
    if (err == SSL_ERROR_SYSCALL && detail.empty() && (ret == 0 || saved == 0)) return asio::error::eof;
    set_failure(std::string(what) + ": " + (!detail.empty() ? detail : saved != 0 ? std::strerror(saved) : "TLS error"));
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
        set_failure("closed before TLS");
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
            set_failure("plaintext JSON on the TLS port");
        } else {
            set_failure("not TLS");
        }
        co_return asio::error::connection_refused;
    }
    ssl_ = SSL_new(settings_.ctx);
    if (ssl_ == nullptr) {
        set_failure("no memory for TLS");
        co_return asio::error::no_memory;
    }
    BIO* bio = BIO_new(bio_method());
    if (bio == nullptr) {
        set_failure("no memory for TLS");
        co_return asio::error::no_memory;
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_accept_state(ssl_);
    SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    for (;;) {
        ERR_clear_error();
        const int r = SSL_do_handshake(ssl_);
        if (r == 1) break;
        const int err = SSL_get_error(ssl_, r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            const auto ec = error_of(r, "TLS handshake");
            if (!failure_) set_failure("TLS handshake: the peer left");
            co_return ec == asio::error::eof ? asio::error::connection_reset : ec;
        }
        auto [ec] = co_await socket_.async_wait(
            err == SSL_ERROR_WANT_READ ? asio::socket_base::wait_read : asio::socket_base::wait_write,
            as_tuple(use_awaitable));
        if (ec) co_return ec;
    }
    if (!settings_.allow_list) co_return asio::error_code{};
    // The session takes the key itself (peer_fingerprint()); it is made here only for the list.
    const std::string key = tls::peer_fingerprint(ssl_);
    if (std::find(settings_.allowed.begin(), settings_.allowed.end(), key) == settings_.allowed.end()) {
        const std::string line =
            key.empty()
                ? wire::error("key_not_allowed", "this server admits listed keys only, and you presented none")
                : wire::error("key_not_allowed", "your key " + key +
                                                     " is not on this server's list; give it to its operator");
        std::size_t written = 0;
        SSL_write_ex(ssl_, line.data(), line.size(), &written);  // one try: it fits in any socket buffer
        SSL_shutdown(ssl_);
        set_failure("key " + (key.empty() ? std::string("(none)") : key) + " is not in --allow-keys");
        co_return asio::error::access_denied;
    }
    co_return asio::error_code{};
}

void tls_transport::async_wait_readable(ready_handler done) {
    // Decrypted bytes already inside OpenSSL raise no readiness event: complete at once.
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) {
        asio::post(socket_.get_executor(), [done = std::move(done)] { done(asio::error_code{}); });
        return;
    }
    socket_.async_wait(asio::socket_base::wait_read, asio::bind_allocator(exact_allocator<void>(), std::move(done)));
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

long tls_transport::bio_read(char* data, std::size_t len, std::size_t& got) {
    for (;;) {
        const ssize_t n = ::recv(socket_.native_handle(), data, len, 0);
        if (n > 0) {
            got = static_cast<std::size_t>(n);
            return 1;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (n == 0) errno = 0;  // the end of the stream, not an error
        return -1;
    }
}

long tls_transport::bio_write(const char* data, std::size_t len, std::size_t& put) {
    // In a batch, or behind ciphertext still waiting (a record written by OpenSSL on its own, such
    // as a key update, must not overtake it): appended, sent in order later.
    if (batching_ || pending_) {
        (batching_ ? batch_scratch() : pending_->bytes).append(data, len);
        put = len;
        return 1;
    }
    for (;;) {
        const ssize_t n = ::send(socket_.native_handle(), data, len, MSG_NOSIGNAL);
        if (n >= 0) {
            put = static_cast<std::size_t>(n);
            return 1;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return -1;
    }
}

bool tls_transport::send_pending(asio::error_code& ec) {
    unsent& p = *pending_;
    while (p.sent < p.bytes.size()) {
        const ssize_t n = ::send(socket_.native_handle(), p.bytes.data() + p.sent, p.bytes.size() - p.sent, MSG_NOSIGNAL);
        if (n > 0) {
            p.sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ec = asio::error::would_block;
        } else {
            set_failure(std::string("TLS write: ") + std::strerror(errno));
            ec = asio::error::connection_reset;
        }
        return false;
    }
    // Given back at once: an idle connection keeps no ciphertext buffer.
    pending_.reset();
    return true;
}

std::size_t tls_transport::write_now(std::span<const iovec> bufs, asio::error_code& ec) {
    ec.clear();
    if (pending_) {
        // The records of an earlier call, offered again from the same bytes: their plaintext is
        // taken once the kernel has all of them.
        const std::size_t plain = pending_->plain;
        if (!send_pending(ec)) return 0;
        return plain;
    }
    std::string& out = batch_scratch();
    out.clear();
    std::vector<char>& rec = record_scratch();
    std::size_t taken = 0;
    std::size_t skip = 0;  // plaintext already made into records
    // One record's worth or less goes from OpenSSL's buffer straight to the socket, one system call
    // either way, without a copy into the batch. A record the kernel takes only part of stays in
    // OpenSSL, which sends the rest first when the same bytes are offered again.
    std::size_t offered = 0;
    for (const iovec& v : bufs) offered += v.iov_len;
    batching_ = offered > record_max;
    for (;;) {
        std::size_t len = 0;
        std::size_t at = 0;
        for (const iovec& v : bufs) {
            if (len == record_max) break;
            if (at + v.iov_len <= skip) {
                at += v.iov_len;
                continue;
            }
            const std::size_t from = skip > at ? skip - at : 0;
            const std::size_t take = std::min(v.iov_len - from, record_max - len);
            std::memcpy(rec.data() + len, static_cast<const char*>(v.iov_base) + from, take);
            len += take;
            at += v.iov_len;
        }
        if (len == 0) break;
        ERR_clear_error();
        std::size_t n = 0;
        const int r = SSL_write_ex(ssl_, rec.data(), len, &n);
        if (r != 1) {
            batching_ = false;
            want_read_on_write_ = SSL_get_error(ssl_, r) == SSL_ERROR_WANT_READ;
            ec = error_of(r, "TLS write");
            if (ec == asio::error::would_block && !out.empty()) break;  // send what was made
            out.clear();
            return 0;
        }
        want_read_on_write_ = false;
        taken += n;
        skip += n;
        if (taken >= max_write()) break;
    }
    batching_ = false;
    // One system call for the batch; what the kernel does not take waits in pending_.
    std::size_t sent = 0;
    while (sent < out.size()) {
        const ssize_t n = ::send(socket_.native_handle(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            set_failure(std::string("TLS write: ") + std::strerror(errno));
            ec = asio::error::connection_reset;
            return 0;
        }
        pending_ = std::make_unique<unsent>(unsent{out.substr(sent), 0, taken});
        ec = asio::error::would_block;
        return 0;
    }
    ec.clear();
    return taken;
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
