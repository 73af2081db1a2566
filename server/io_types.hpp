// The types of what one connection keeps while it waits: its socket, its deadline timer and their
// pending waits. They name the io_context's own executor rather than the type-erased
// asio::any_io_executor (56 bytes, copied into the socket, the timer and every pending operation):
// each is 48 bytes smaller, and an idle connection holds four of them (docs/performance.md).
#pragma once

#include <chrono>

#include <asio.hpp>

namespace chat {

using io_executor = asio::io_context::executor_type;
using io_socket = asio::basic_stream_socket<asio::ip::tcp, io_executor>;
using io_acceptor = asio::basic_socket_acceptor<asio::ip::tcp, io_executor>;
using io_timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, io_executor>;

}  // namespace chat
