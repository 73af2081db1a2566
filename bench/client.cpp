#include "client.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <openssl/err.h>

namespace bench {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;
// TLS: the most plaintext in one record; one SSL_write of at most this makes one record.
constexpr std::size_t record_max = 16 * 1024;
// TLS: a read stops after this much if nothing is left inside OpenSSL (the rest waits in the
// socket, where level-triggered epoll sees it), so one busy client cannot starve the others.
constexpr std::size_t tls_read_max = 256 * 1024;

std::string openssl_error() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return "the peer closed the connection";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

}  // namespace

client::client(client&& other) noexcept
    : fd_(other.fd_), ssl_(other.ssl_), record_(other.record_), phase_(other.phase_), write_armed_(other.write_armed_), in_(std::move(other.in_)),
      in_used_(other.in_used_), out_(std::move(other.out_)), out_sent_(other.out_sent_) {
    other.fd_ = -1;
    other.ssl_ = nullptr;
}

client::~client() { close(); }

bool client::start_connect(const sockaddr_storage& addr, socklen_t len) {
    fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        phase_ = phase::closed;
        return false;  // errno says why
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    phase_ = phase::connecting;
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), len) == 0) return true;
    if (errno == EINPROGRESS) return true;
    const int err = errno;
    close();
    errno = err;
    return false;
}

int client::finish_connect() {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) close();
    return err;
}

bool client::start_tls(SSL_CTX* ctx, std::size_t record) {
    record_ = std::min(record, record_max);
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return false;
    SSL_set_connect_state(ssl_);
    phase_ = phase::handshaking;
    return true;
}

client::handshake client::handshake_step(std::string& why) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) return handshake::done;
    const int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) return handshake::want_read;
    if (err == SSL_ERROR_WANT_WRITE) return handshake::want_write;
    why = "TLS handshake: " + openssl_error();
    return handshake::failed;
}

client::io client::read_some() {
    if (ssl_ != nullptr) {
        std::size_t total = 0;
        for (;;) {
            if (in_.size() < in_used_ + record_max) in_.resize(in_used_ + read_chunk);
            ERR_clear_error();
            std::size_t got = 0;
            if (SSL_read_ex(ssl_, in_.data() + in_used_, in_.size() - in_used_, &got) == 1) {
                in_used_ += got;
                total += got;
                if (total >= tls_read_max && SSL_pending(ssl_) == 0) return io::ok;
                continue;
            }
            const int err = SSL_get_error(ssl_, 0);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return total > 0 ? io::ok : io::would_block;
            ERR_clear_error();
            return total > 0 ? io::ok : io::closed;  // the end is met again on the next read
        }
    }
    if (in_.size() < in_used_ + read_chunk) in_.resize(in_used_ + read_chunk);
    const ssize_t n = ::read(fd_, in_.data() + in_used_, in_.size() - in_used_);
    if (n > 0) {
        in_used_ += static_cast<std::size_t>(n);
        return io::ok;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return io::would_block;
    return io::closed;
}

client::io client::flush() {
    if (ssl_ != nullptr) {
        // One record per call. A call OpenSSL could not finish is retried with at least as many
        // bytes from the same offset (the buffer may have moved and grown: the modes allow both).
        while (out_sent_ < out_.size()) {
            ERR_clear_error();
            std::size_t n = 0;
            const std::size_t len = std::min(out_.size() - out_sent_, record_);
            if (SSL_write_ex(ssl_, out_.data() + out_sent_, len, &n) == 1) {
                out_sent_ += n;
                continue;
            }
            const int err = SSL_get_error(ssl_, 0);
            if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) return io::would_block;
            ERR_clear_error();
            return io::closed;
        }
        out_.clear();
        out_sent_ = 0;
        return io::ok;
    }
    while (out_sent_ < out_.size()) {
        const ssize_t n = ::send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
        if (n > 0) {
            out_sent_ += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return io::would_block;
        if (n < 0 && errno == EINTR) continue;
        return io::closed;
    }
    out_.clear();
    out_sent_ = 0;
    return io::ok;
}

void client::close() {
    if (ssl_ != nullptr) {
        // close_notify, offered once without waiting, so the server sees an orderly end.
        if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
        ERR_clear_error();
        SSL_free(ssl_);
        ssl_ = nullptr;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    phase_ = phase::closed;
}

}  // namespace bench
