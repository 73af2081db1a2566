#include "transport_tcp.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <asio/bind_allocator.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "exact_allocator.hpp"

namespace chat {

namespace {

constexpr std::size_t max_iov = 1024;  // IOV_MAX on Linux

}  // namespace

tcp_transport::tcp_transport(io_socket socket) : socket_(std::move(socket)) {
    asio::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    // Reads and writes are attempted directly and only wait for readiness when the kernel says so.
    socket_.non_blocking(true, ec);
}

asio::ip::tcp::endpoint tcp_transport::remote_endpoint(asio::error_code& ec) const {
    return socket_.remote_endpoint(ec);
}

void tcp_transport::async_wait_readable(ready_handler done) {
    socket_.async_wait(asio::socket_base::wait_read, asio::bind_allocator(exact_allocator<void>(), std::move(done)));
}

std::size_t tcp_transport::read_now(std::span<char> buf, asio::error_code& ec) {
    return socket_.read_some(asio::buffer(buf.data(), buf.size()), ec);
}

std::size_t tcp_transport::write_now(std::span<const iovec> bufs, asio::error_code& ec) {
    // One sendmsg for the whole gather: Asio's own gathered writes stop at 64 buffers per call.
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(bufs.data());
    msg.msg_iovlen = std::min(bufs.size(), max_iov);
    for (;;) {
        const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
        if (n >= 0) {
            ec.clear();
            return static_cast<std::size_t>(n);
        }
        if (errno == EINTR) continue;
        ec = asio::error_code(errno, asio::error::get_system_category());
        return 0;
    }
}

transport::wait_result tcp_transport::wait_writable() {
    return socket_.async_wait(asio::socket_base::wait_write, asio::experimental::as_tuple(asio::use_awaitable));
}

void tcp_transport::shutdown_send() {
    asio::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

void tcp_transport::close() {
    asio::error_code ec;
    socket_.close(ec);
}

}  // namespace chat
