#include "client.hpp"

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

namespace bench {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;

}  // namespace

client::client(client&& other) noexcept
    : fd_(other.fd_), phase_(other.phase_), write_armed_(other.write_armed_), in_(std::move(other.in_)),
      in_used_(other.in_used_), out_(std::move(other.out_)), out_sent_(other.out_sent_) {
    other.fd_ = -1;
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

client::io client::read_some() {
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
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    phase_ = phase::closed;
}

}  // namespace bench
