// One client connection, as Asio's chat_session: a read loop into the dispatcher, a bounded send
// queue written once per turn of the event loop, and one timer for its deadlines.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>

#include "admission.hpp"
#include "deadlines.hpp"
#include "dispatcher.hpp"
#include "framing.hpp"
#include "log.hpp"
#include "participant.hpp"
#include "send_queue.hpp"
#include "transport.hpp"
#include "turn_end.hpp"

namespace chat {

// What every session of one server shares. One thread runs them all, so one read buffer and one
// iovec array serve every connection: an idle connection holds neither.
struct session_context {
    dispatcher& chat;
    const logger& log;
    turn_end& turn;
    admission& admit;
    std::uint64_t& overflows;  // sessions cut off because their send queue passed --sendq
    std::vector<char> read_buf = std::vector<char>(64 * 1024);
    std::vector<iovec> iov = {};
};

class session final : public participant,
                      public turn_writer,
                      public admission_waiter,
                      public std::enable_shared_from_this<session> {
public:
    using clock = deadlines::clock;
    // Called once when the transport is closed, so the owner can forget the session.
    using closed_handler = std::function<void(session&)>;

    session(std::unique_ptr<transport> io, session_context& ctx, std::string address, closed_handler on_closed);

    // Starts the watchdog, then (after the transport's handshake) the read loop.
    void start();

    void put(const line_ptr& line) override { queue(line, false); }
    void put_notice(const line_ptr& line) override { queue(line, true); }
    void close_after_flush(std::string_view reason) override;
    void flush_turn() override;
    // The set-up frame this session waits with may be handled now (admission).
    void resume() override;

    // The server is stopping: send `line` (a shutdown frame), then flush and close.
    void shutdown(const line_ptr& line);
    // Closes the transport now, whatever is still queued.
    void close_now();

    const std::string& address() const { return address_; }
    const transport& io() const { return *io_; }
    std::size_t queued_bytes() const { return queue_.bytes(); }

private:
    enum class phase {
        open,       // input handled, output accepted
        flushing,   // neither any more: writing what is queued
        lingering,  // all written and our direction shut: reading until the peer closes too
        closed,
    };
    enum class wrote { all, blocked, failed };

    // Each coroutine and each pending handler holds `self` so the session lives while any runs.
    // The transport's handshake, then the reader.
    asio::awaitable<void> handshake(std::shared_ptr<session> self);
    asio::awaitable<void> await_writable(std::shared_ptr<session> self);
    // The reader is a chain of callbacks rather than a coroutine, like the watchdog: a connection
    // waiting for input keeps one small handler, not a coroutine's frames (docs/performance.md).
    // Waits for input, giving back the input buffers first.
    void wait_input();
    // The transport is readable (or failed): what it has goes to the dispatcher, then the reader
    // reads on, waits, or stops while parked.
    void on_readable(const asio::error_code& ec);
    // `more`: the last read filled the buffer, so data may be waiting without a new event.
    void read_on(bool more);
    // No more input (the end of the stream or an error).
    void input_ended(const asio::error_code& error);
    void handle_input(std::size_t n);
    // Hands complete lines to the dispatcher, starting with line_ again when `retry`; stops when one
    // has to wait its turn (park) or the session stops being open.
    void take_lines(bool retry);
    void park();
    // The reader stopped while parked (nothing is read until resume() has handled what the
    // session waited with, or it closes): it goes on.
    void unpark_reader();
    // The watchdog is a plain timer callback rather than a coroutine: it costs an idle connection
    // nothing but the timer.
    void arm_watchdog();
    void on_watchdog();

    // The session ends on its own account (timeouts, broken frames): others are told `quit_reason`,
    // `error_line` (if any) is sent, then the queue is flushed and the transport closed.
    void fail(std::string_view quit_reason, std::string_view log_reason, std::string error_line = {});
    void begin_close(std::string_view reason);
    // `can_wait`: the line may wait for a later write (turn_end::want_flush_later).
    void queue(const line_ptr& line, bool can_wait);
    void on_overflow();
    // Writes until the queue is empty or the transport takes no more, without waiting.
    // `may_stall`: a transport that takes no more starts the write-stall deadline.
    wrote write_queued(bool may_stall);
    void close_transport();
    void lost();  // the transport failed: close, "connection lost" unless a reason was given
    void maybe_finish();
    void set_reason(std::string_view why) { reason_ = std::make_unique<std::string>(why); }

    std::unique_ptr<transport> io_;
    session_context& ctx_;
    dispatcher& chat_;
    const limits& lim_;
    std::string address_;
    // Why the session is closing, for the log; null until it is (an open session keeps no string).
    std::unique_ptr<std::string> reason_;
    closed_handler on_closed_;

    line_splitter splitter_;
    std::string line_;
    send_queue queue_;
    deadlines clock_;
    io_timer timer_;  // the next of clock_'s deadlines
    phase phase_ = phase::open;
    // The reader has ended, or the server is stopping and waits for no peer: close once flushed.
    bool close_when_flushed_ = false;
    bool write_waiting_ = false;  // waiting for the transport to take bytes again
    bool handshaken_ = false;     // the transport's handshake is done
    bool parked_ = false;         // line_ is a set-up frame waiting in the admission line
    bool reader_parked_ = false;  // the reader stopped for it, and goes on in unpark_reader()
    bool reader_more_ = false;    // what read_on is told then
};

}  // namespace chat
