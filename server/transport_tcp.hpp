// Plain TCP under a session: a non-blocking socket, gathered writes with one sendmsg.
#pragma once

#include "transport.hpp"

namespace chat {

class tcp_transport final : public transport {
public:
    // Sets TCP_NODELAY and non-blocking mode.
    explicit tcp_transport(io_socket socket);

    io_executor get_executor() override { return socket_.get_executor(); }
    asio::ip::tcp::endpoint remote_endpoint(asio::error_code& ec) const override;

    void async_wait_readable(ready_handler done) override;
    std::size_t read_now(std::span<char> buf, asio::error_code& ec) override;
    std::size_t write_now(std::span<const iovec> bufs, asio::error_code& ec) override;
    wait_result wait_writable() override;
    void shutdown_send() override;
    void close() override;

private:
    io_socket socket_;
};

}  // namespace chat
