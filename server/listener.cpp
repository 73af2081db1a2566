#include "listener.hpp"

#include <cerrno>

namespace chat {

namespace {

using asio::use_awaitable;
using asio::experimental::as_tuple;

// Errors that mean "the process or system is out of something": retrying at once would spin.
bool is_exhaustion(const asio::error_code& ec) {
    return ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
           ec == asio::error::no_memory;
}

}  // namespace

std::string to_string(const asio::ip::tcp::endpoint& ep) {
    const auto addr = ep.address();
    const std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
    return host + ":" + std::to_string(ep.port());
}

listener::listener(asio::io_context& io, const asio::ip::tcp::endpoint& at, const logger& log,
                   accept_handler on_accept)
    : acceptor_(io), backoff_(io), log_(log), on_accept_(std::move(on_accept)) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    if (at.address().is_v6() && at.address().is_unspecified()) {
        asio::error_code ec;
        acceptor_.set_option(asio::ip::v6_only(false), ec);
    }
    acceptor_.bind(at);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    endpoint_ = acceptor_.local_endpoint();
}

void listener::start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(shared_from_this()), asio::detached); }

void listener::stop() {
    stopped_ = true;
    asio::error_code ec;
    acceptor_.close(ec);
    backoff_.cancel();
}

asio::awaitable<void> listener::accept_loop(std::shared_ptr<listener>) {
    bool exhausted = false;  // logged once per episode, not once per failed accept
    while (!stopped_) {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (stopped_) co_return;
        if (!ec) {
            if (exhausted) log_.info("accepting again on " + to_string(endpoint_));
            exhausted = false;
            on_accept_(std::move(socket));
            continue;
        }
        if (ec == asio::error::connection_aborted || ec == asio::error::interrupted) continue;
        if (is_exhaustion(ec)) {
            if (!exhausted) log_.info("limit: cannot accept on " + to_string(endpoint_) + " (" + ec.message() +
                                      "); retrying every 100 ms");
            exhausted = true;
        } else {
            log_.info("accept on " + to_string(endpoint_) + " failed: " + ec.message());
        }
        // Pause instead of retrying at once: the pending connection stays in the backlog and would
        // fail again immediately, spinning the only thread.
        backoff_.expires_after(std::chrono::milliseconds(100));
        co_await backoff_.async_wait(as_tuple(use_awaitable));
    }
}

}  // namespace chat
