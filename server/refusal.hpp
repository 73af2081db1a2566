// A connection turned away at the door (server full, too many from one address): one error frame,
// then a close that does not reset the connection before the frame is read.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "io_types.hpp"

namespace chat {

class refusal : public std::enable_shared_from_this<refusal> {
public:
    // `on_done` runs once the socket is closed.
    refusal(io_socket socket, std::shared_ptr<const std::string> line, std::function<void()> on_done);
    // Sends the line and closes within `linger`, reading and dropping whatever the peer sends meanwhile.
    void start(std::chrono::milliseconds linger);

private:
    asio::awaitable<void> run(std::shared_ptr<refusal> self, std::chrono::milliseconds linger);
    // Writes the line, shuts down our side, and reads until the peer closes.
    asio::awaitable<void> send_and_drain();

    io_socket socket_;
    asio::steady_timer timer_;
    std::shared_ptr<const std::string> line_;
    std::function<void()> on_done_;
};

}  // namespace chat
