// One client connection: reads lines into the dispatcher, writes its bounded queue, watches the clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "dispatcher.hpp"
#include "framing.hpp"
#include "log.hpp"
#include "participant.hpp"
#include "transport.hpp"

namespace chat {

class session : public participant, public std::enable_shared_from_this<session> {
public:
    using clock = std::chrono::steady_clock;
    // Called once when the socket is closed, so the owner can forget the session.
    using closed_handler = std::function<void(session&)>;

    // `overflows` counts the sessions of the server cut off for a full send queue.
    session(std::unique_ptr<transport> io, dispatcher& chat, const logger& log, std::string address,
            closed_handler on_closed, std::uint64_t& overflows);

    // Starts the watchdog timer, then (after the transport's handshake) the reader and writer coroutines.
    void start();

    void deliver(const line_ptr& line) override;
    void close_after_flush(std::string_view reason) override;

    // The server is stopping: send `line` (a shutdown frame), then flush and close.
    void shutdown(const line_ptr& line);
    // Closes the socket now, whatever is still queued.
    void close_now();

    const std::string& address() const { return address_; }
    const transport& io() const { return *io_; }
    std::size_t queued_bytes() const { return queued_bytes_; }

private:
    // Each coroutine holds `self` so the session lives while any of them runs.
    asio::awaitable<void> run(std::shared_ptr<session> self);
    asio::awaitable<void> read_loop(std::shared_ptr<session> self);
    asio::awaitable<void> write_loop(std::shared_ptr<session> self);
    // The watchdog is a plain timer callback rather than a third coroutine: it costs an idle
    // connection nothing but the timer.
    void arm_watchdog();
    void on_watchdog();
    // The writer has begun waiting on a full kernel buffer: make sure the watchdog wakes in time.
    void watch_stall();

    // The session ends on its own account (timeouts, broken frames, lost peer): others are told
    // `quit_reason`, `error_line` (if any) is sent, then the queue is flushed and the socket closed.
    void fail(std::string_view quit_reason, std::string_view log_reason, std::string error_line = {});
    void begin_close(std::string_view reason);
    void on_overflow();
    // One non-blocking write of as much of the queue as fits; returns the bytes written and sets
    // `attempted` to the bytes offered.
    std::size_t write_now(std::size_t& attempted, asio::error_code& ec);
    void consume(std::size_t written);
    // Writes what the kernel takes right now, without waiting; never closes.
    void flush_now();
    void wake_writer();
    void close_socket();
    void maybe_finish();
    clock::time_point next_deadline() const;
    bool stalling() const;

    std::unique_ptr<transport> io_;
    dispatcher& chat_;
    const logger& log_;
    const limits& lim_;
    std::string address_;
    std::string reason_;  // why the session is closing, for the log
    closed_handler on_closed_;
    std::uint64_t& overflows_;

    line_splitter splitter_;
    std::string line_;

    // The send queue: lines from head_ on are unsent, the one at head_ possibly in part
    // (front_offset_ bytes of it are out).
    std::vector<line_ptr> queue_;
    std::size_t head_ = 0;
    std::size_t front_offset_ = 0;
    std::size_t queued_bytes_ = 0;   // bytes not yet written
    asio::steady_timer wake_;        // the writer sleeps on it while the queue is empty
    bool writer_idle_ = false;

    asio::steady_timer timer_;       // hello deadline, keep-alive, write stall, close linger
    clock::time_point hello_deadline_;
    clock::time_point last_heard_;
    clock::time_point ping_sent_;
    clock::time_point linger_deadline_;
    // Since when the writer has waited for the kernel to take a byte; max() while it is not waiting.
    clock::time_point stall_from_ = clock::time_point::max();
    bool ping_outstanding_ = false;
    std::int64_t ping_token_ = 0;

    bool closing_ = false;   // no more input handled or output accepted; flushing
    bool flushed_ = false;   // queue written and our side shut down
    bool reader_done_ = false;
    bool drain_input_ = true;  // after flushing, wait for the peer's close (false when stopping)
    bool closed_ = false;
};

}  // namespace chat
