#include "refusal.hpp"

#include <array>

#include <asio/experimental/awaitable_operators.hpp>

namespace chat {

using asio::use_awaitable;
using asio::experimental::as_tuple;
using namespace asio::experimental::awaitable_operators;

refusal::refusal(io_socket socket, std::shared_ptr<const std::string> line,
                 std::function<void()> on_done)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), line_(std::move(line)), on_done_(std::move(on_done)) {}

void refusal::start(std::chrono::milliseconds linger) {
    asio::co_spawn(socket_.get_executor(), run(shared_from_this(), linger), asio::detached);
}

asio::awaitable<void> refusal::send_and_drain() {
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(*line_), as_tuple(use_awaitable));
    if (ec) co_return;
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    std::array<char, 1024> sink;
    for (;;) {
        auto [rec, got] = co_await socket_.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
        if (rec) co_return;
    }
}

asio::awaitable<void> refusal::run(std::shared_ptr<refusal>, std::chrono::milliseconds linger) {
    timer_.expires_after(linger);
    co_await (send_and_drain() || timer_.async_wait(as_tuple(use_awaitable)));
    asio::error_code ignored;
    socket_.close(ignored);
    if (on_done_) on_done_();
}

}  // namespace chat
