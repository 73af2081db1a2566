// One listening socket and its accept loop, which survives running out of file descriptors.
#pragma once

#include <functional>
#include <memory>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "io_types.hpp"
#include "log.hpp"

namespace chat {

class listener : public std::enable_shared_from_this<listener> {
public:
    using accept_handler = std::function<void(io_socket)>;

    // Opens, binds and listens; throws std::system_error if the address cannot be used. An IPv6
    // wildcard also accepts IPv4 (dual stack) where the system allows it.
    listener(asio::io_context& io, const asio::ip::tcp::endpoint& at, const logger& log, accept_handler on_accept);

    void start();
    void stop();
    asio::ip::tcp::endpoint local_endpoint() const { return endpoint_; }

private:
    asio::awaitable<void> accept_loop(std::shared_ptr<listener> self);

    io_acceptor acceptor_;  // accepts io_sockets
    asio::steady_timer backoff_;
    asio::ip::tcp::endpoint endpoint_;
    const logger& log_;
    accept_handler on_accept_;
    bool stopped_ = false;
};

// "127.0.0.1:41234" or "[::1]:41234".
std::string to_string(const asio::ip::tcp::endpoint& ep);

}  // namespace chat
