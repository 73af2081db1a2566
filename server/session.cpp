#include "session.hpp"

#include <utility>

#include <asio/bind_allocator.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "exact_allocator.hpp"
#include "wire.hpp"

namespace chat {

namespace {

using asio::use_awaitable;

// The most offered to one write: IOV_MAX lines on Linux, and no more lines once this many bytes.
constexpr std::size_t write_chunk = 256 * 1024;
constexpr std::size_t max_iov = 1024;
// How long a closing connection may take to flush its last frames and see the peer hang up. When
// the server stops, its own --shutdown-grace cuts this short.
constexpr std::chrono::seconds close_linger{2};

}  // namespace

session::session(std::unique_ptr<transport> io, session_context& ctx, std::string address, closed_handler on_closed)
    : io_(std::move(io)),
      ctx_(ctx),
      chat_(ctx.chat),
      lim_(ctx.chat.bounds()),
      address_(std::move(address)),
      on_closed_(std::move(on_closed)),
      splitter_(lim_.max_frame),
      queue_(lim_.sendq),
      clock_(lim_, clock::now()),
      timer_(io_->get_executor()) {}

void session::start() {
    asio::co_spawn(io_->get_executor(), handshake(shared_from_this()), asio::detached);
    arm_watchdog();
}

void session::queue(const line_ptr& line, bool can_wait) {
    if (phase_ != phase::open) return;
    if (!queue_.push(line)) {
        // The cap is for a peer that stopped reading, not for a burst this turn has not written yet:
        // first hand the transport what it will take (after the turn's hooks, so nothing reaches a
        // socket before the store has it). An error is met by the next flush.
        ctx_.turn.commit_early();
        write_queued(false);
        if (!queue_.push(line)) return on_overflow();
    }
    if (can_wait) {
        ctx_.turn.want_flush_later(*this);
    } else {
        ctx_.turn.want_flush(*this);
    }
}

void session::on_overflow() {
    // Runs inside a fan-out: drop what is not yet begun, queue the last word, and leave the rooms
    // after the fan-out.
    queue_.drop_unbegun();
    queue_.push_past_cap(share(wire::error(
        "sendq_exceeded", "you stopped reading; the send queue passed " + std::to_string(lim_.sendq) + " bytes")));
    ++ctx_.overflows;
    ctx_.log.info("limit: send queue exceeded for " + address_ + " " + logger::field(chat().nick) + " (" +
                  std::to_string(ctx_.overflows) + " so far)");
    begin_close("send queue exceeded");
    asio::post(io_->get_executor(), [self = shared_from_this()] { self->chat_.leave(*self, "send queue exceeded"); });
}

void session::close_after_flush(std::string_view reason) { begin_close(reason); }

void session::begin_close(std::string_view reason) {
    if (phase_ != phase::open) return;
    phase_ = phase::flushing;
    set_reason(reason);
    unpark_reader();  // closing: input is read and dropped again
    clock_.closing(clock::now(), close_linger);
    timer_.cancel();
    ctx_.turn.want_flush(*this);
}

void session::fail(std::string_view quit_reason, std::string_view log_reason, std::string error_line) {
    if (phase_ != phase::open) return;
    if (!error_line.empty()) deliver(share(std::move(error_line)));
    chat_.leave(*this, quit_reason);
    begin_close(log_reason);
}

void session::shutdown(const line_ptr& line) {
    // Stopping should not wait for peers to hang up once they have been told.
    close_when_flushed_ = true;
    if (phase_ != phase::open) return maybe_finish();
    deliver(line);
    begin_close("server shutdown");
}

void session::close_now() { close_transport(); }

void session::maybe_finish() {
    if (phase_ == phase::lingering && close_when_flushed_) close_transport();
}

void session::lost() {
    if (!reason_) set_reason("connection lost");
    close_transport();
}

void session::close_transport() {
    if (phase_ == phase::closed) return;
    phase_ = phase::closed;
    ctx_.turn.forget(*this);
    unpark_reader();
    io_->close();
    timer_.cancel();
    chat_.leave(*this, "connection lost");
    ctx_.log.conn("disconnect " + address_ + (chat().nick.empty() ? "" : " " + logger::field(chat().nick)) + ": " +
                  (!reason_ ? "connection lost" : logger::field(*reason_)));
    if (on_closed_) on_closed_(*this);
}

asio::awaitable<void> session::handshake(std::shared_ptr<session> self) {
    const asio::error_code error = co_await io_->handshake();
    if (phase_ == phase::closed) co_return;
    if (error) {
        const std::string why = io_->failure();
        set_reason("handshake failed: " + (why.empty() ? error.message() : why));
        co_return close_transport();
    }
    handshaken_ = true;
    chat().key = io_->peer_fingerprint();
    // What came with the handshake's last flight is read at once; this frame ends here.
    asio::post(io_->get_executor(), [self = std::move(self)] { self->on_readable(asio::error_code{}); });
}

void session::wait_input() {
    // A quiet client should cost as little as possible while it sleeps: give back the input
    // buffers when they hold no partial line.
    splitter_.release_if_empty();
    std::string().swap(line_);
    io_->async_wait_readable([self = shared_from_this()](const asio::error_code& ec) { self->on_readable(ec); });
}

void session::read_on(bool more) {
    if (more) {
        // Let other sessions run before reading on, so one fast sender cannot hog the thread.
        asio::post(io_->get_executor(), [self = shared_from_this()] { self->on_readable(asio::error_code{}); });
    } else {
        wait_input();
    }
}

void session::on_readable(const asio::error_code& wait_error) {
    if (phase_ == phase::closed) return;
    if (wait_error) return input_ended(wait_error);
    asio::error_code ec;
    const std::size_t n = io_->read_now(ctx_.read_buf, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_input();
    if (ec) return input_ended(ec);
    const bool more = n == ctx_.read_buf.size();
    // While closing, input is read and dropped so our last frames are not lost to a reset.
    if (phase_ == phase::open) handle_input(n);
    if (phase_ == phase::closed) return;
    // A set-up frame waits its turn: read nothing more from this peer until it is handled.
    if (parked_ && phase_ == phase::open) {
        reader_parked_ = true;
        reader_more_ = more;
        return;
    }
    read_on(more);
}

void session::input_ended(const asio::error_code& error) {
    close_when_flushed_ = true;
    if (phase_ == phase::closed) return;
    if (phase_ == phase::open) {
        chat_.leave(*this, "connection lost");
        if (error != asio::error::eof) return lost();
        // The peer may only have shut down its sending side: still give it what is queued.
        begin_close("connection closed by peer");
    }
    maybe_finish();
}

void session::handle_input(std::size_t n) {
    splitter_.feed(std::string_view(ctx_.read_buf.data(), n));
    // What this input stores is committed when the turn ends, even if it queues no output.
    ctx_.turn.request();
    take_lines(false);
}

void session::take_lines(bool retry) {
    const auto now = clock::now();
    for (;;) {
        if (!retry) {
            const auto st = splitter_.next(line_);
            if (st == line_splitter::status::need_more) return;
            if (st == line_splitter::status::too_long) {
                return fail("connection lost", "frame too long",
                            wire::error("frame_too_long",
                                        "a frame is at most " + std::to_string(lim_.max_frame) + " bytes; closing"));
            }
            clock_.heard(now);
        }
        retry = false;
        const bool was_registered = chat().registered;
        if (!chat_.on_line(*this, line_, now)) return park();
        if (phase_ != phase::open) return;
        if (chat().registered != was_registered) {
            ctx_.log.conn("hello " + address_ + " as " + logger::field(chat().nick));
            // The watchdog swaps the hello deadline for the keep-alive schedule.
            timer_.cancel();
        }
    }
}

void session::park() {
    parked_ = true;
    ctx_.admit.wait(std::weak_ptr<admission_waiter>(shared_from_this()));
    if (!chat().registered) {
        // The hello came in time; waiting in line must not time it out.
        clock_.hello_waiting(true, clock::now());
        timer_.cancel();
    }
}

void session::resume() {
    if (!parked_) return;
    parked_ = false;
    if (phase_ == phase::open) {
        ctx_.turn.request();
        take_lines(true);
    }
    if (parked_) return;
    if (phase_ == phase::open && !chat().registered) {
        // The hello was refused (a nick in use): the next one has the usual time.
        clock_.hello_waiting(false, clock::now());
        timer_.cancel();
    }
    unpark_reader();
}

void session::unpark_reader() {
    if (!reader_parked_) return;
    reader_parked_ = false;
    // Not from inside resume() or a close: the reader goes on in a turn of its own.
    asio::post(io_->get_executor(), [self = shared_from_this(), more = reader_more_] {
        if (self->phase_ != phase::closed) self->read_on(more);
    });
}

session::wrote session::write_queued(bool may_stall) {
    while (!queue_.empty()) {
        const std::size_t offered = queue_.gather(ctx_.iov, max_iov, std::min(write_chunk, io_->max_write()));
        asio::error_code ec;
        const std::size_t n = io_->write_now(ctx_.iov, ec);
        const bool blocked = ec == asio::error::would_block || ec == asio::error::try_again;
        if (ec && !blocked) return wrote::failed;
        queue_.consume(n);
        // All offered, or all one call may take (TLS: a full batch of records): the kernel is not full yet.
        const bool took_all = !blocked && (n == offered || n >= io_->max_write());
        if (n > 0 && (took_all || clock_.stalling())) clock_.write_progress(clock::now(), took_all);
        if (took_all) continue;
        // A full kernel buffer: the peer has this long to take a byte. The watchdog wakes in time.
        if (may_stall && clock_.write_blocked(clock::now()) && clock_.stalling() &&
            clock_.next(chat().registered) < timer_.expiry()) {
            timer_.cancel();
        }
        return wrote::blocked;
    }
    return wrote::all;
}

void session::flush_turn() {
    if (phase_ == phase::closed || write_waiting_) return;
    switch (write_queued(true)) {
        case wrote::failed:
            return lost();
        case wrote::blocked:
            // The full buffer armed the transport's "writable again" notification: wait for it.
            write_waiting_ = true;
            asio::co_spawn(io_->get_executor(), await_writable(shared_from_this()), asio::detached);
            return;
        case wrote::all:
            break;
    }
    if (phase_ == phase::flushing) {
        phase_ = phase::lingering;
        io_->shutdown_send();
        maybe_finish();
    }
}

asio::awaitable<void> session::await_writable(std::shared_ptr<session>) {
    auto [ec] = co_await io_->wait_writable();
    write_waiting_ = false;
    if (phase_ == phase::closed) co_return;
    if (ec) co_return lost();
    // Written at the end of this turn, with whatever else the turn queued.
    ctx_.turn.want_flush(*this);
}

void session::arm_watchdog() {
    timer_.expires_at(clock_.next(chat().registered));
    timer_.async_wait(asio::bind_allocator(exact_allocator<void>(),
                                           [self = shared_from_this()](const asio::error_code&) { self->on_watchdog(); }));
}

void session::on_watchdog() {
    if (phase_ == phase::closed) return;
    switch (clock_.on_due(clock::now(), chat().registered)) {
        case deadlines::due::nothing:
            break;
        case deadlines::due::linger_over:
            return close_transport();
        case deadlines::due::write_stall:
            // Nothing queued can reach this peer, so nothing more is queued: it is closed at once.
            ctx_.log.info("limit: write stall for " + address_ + " " + logger::field(chat().nick) +
                          " (no byte taken in " + deadlines::seconds(lim_.write_stall) + " s)");
            set_reason("write stall");
            chat_.leave(*this, "stopped reading");
            return close_transport();
        case deadlines::due::hello_timeout:
            if (!handshaken_) {
                // A stalled TLS handshake: nothing can be said to a peer without a session.
                set_reason("handshake timeout");
                return close_transport();
            }
            fail("connection lost", "hello timeout",
                 wire::error("hello_timeout", "no hello within " + deadlines::seconds(lim_.hello_timeout) + " s"));
            break;
        case deadlines::due::ping_timeout:
            fail("ping timeout", "ping timeout",
                 wire::error("ping_timeout", "no answer to ping within " + deadlines::seconds(lim_.ping_timeout) + " s"));
            break;
        case deadlines::due::send_ping:
            deliver(share(wire::encode(wire::out_json{{"type", "ping"}, {"token", clock_.ping_token()}})));
            break;
    }
    if (phase_ != phase::closed) arm_watchdog();
}

}  // namespace chat
