#include "session.hpp"

#include <algorithm>
#include <utility>

#include "wire.hpp"

namespace chat {

namespace {

using asio::use_awaitable;
using asio::experimental::as_tuple;

// Bytes taken from the kernel per read, and the most offered to one write. The read buffer and the
// write's iovec array are shared by every session of the thread: nothing is kept per connection.
constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t write_chunk = 256 * 1024;
constexpr std::size_t max_iov = 1024;  // IOV_MAX on Linux: no transport is offered more
// How long a closing connection may take to flush its last frames and see the peer hang up. When
// the server stops, its own --shutdown-grace cuts this short.
constexpr std::chrono::seconds close_linger{2};

std::vector<char>& read_scratch() {
    thread_local std::vector<char> buf(read_chunk);
    return buf;
}

std::vector<iovec>& write_iov() {
    thread_local std::vector<iovec> iov;
    return iov;
}

std::string seconds(std::chrono::milliseconds ms) {
    std::string s = std::to_string(static_cast<double>(ms.count()) / 1000.0);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

session::session(std::unique_ptr<transport> io, dispatcher& chat, const logger& log, std::string address,
                 closed_handler on_closed, std::uint64_t& overflows)
    : io_(std::move(io)),
      chat_(chat),
      log_(log),
      lim_(chat.bounds()),
      address_(std::move(address)),
      on_closed_(std::move(on_closed)),
      overflows_(overflows),
      splitter_(lim_.max_frame),
      wake_(io_->get_executor()),
      timer_(io_->get_executor()) {}

void session::start() {
    const auto now = clock::now();
    hello_deadline_ = now + lim_.hello_timeout;
    last_heard_ = now;
    asio::co_spawn(io_->get_executor(), run(shared_from_this()), asio::detached);
    arm_watchdog();
}

asio::awaitable<void> session::run(std::shared_ptr<session> self) {
    const asio::error_code ec = co_await io_->handshake();
    if (closed_) co_return;
    if (ec) {
        reason_ = "handshake failed: " + ec.message();
        reader_done_ = true;
        co_return close_socket();
    }
    asio::co_spawn(io_->get_executor(), write_loop(self), asio::detached);
    co_await read_loop(std::move(self));
}

void session::deliver(const line_ptr& line) {
    if (closing_ || closed_) return;
    if (queued_bytes_ + line->size() > lim_.sendq) {
        // The cap is for a peer that stopped reading, not for a burst the writer has not reached yet:
        // first hand the kernel what it will take.
        flush_now();
        if (queued_bytes_ + line->size() > lim_.sendq) {
            on_overflow();
            return;
        }
    }
    queued_bytes_ += line->size();
    queue_.push_back(line);
    wake_writer();
}

void session::wake_writer() {
    if (writer_idle_) {
        writer_idle_ = false;
        wake_.cancel();
    }
}

void session::on_overflow() {
    // Runs inside a fan-out: drop what is not yet written (except the rest of a line already begun,
    // so the stream stays whole), queue the last word, and leave the rooms after the fan-out.
    const std::size_t keep = head_ + (front_offset_ > 0 ? 1 : 0);
    for (std::size_t i = keep; i < queue_.size(); ++i) queued_bytes_ -= queue_[i]->size();
    queue_.resize(keep);
    line_ptr last = share(wire::error("sendq_exceeded", "you stopped reading; the send queue passed " +
                                                            std::to_string(lim_.sendq) + " bytes"));
    queued_bytes_ += last->size();
    queue_.push_back(std::move(last));
    ++overflows_;
    log_.info("limit: send queue exceeded for " + address_ + " " + logger::field(chat().nick) + " (" +
              std::to_string(overflows_) + " so far)");
    begin_close("send queue exceeded");
    asio::post(io_->get_executor(), [self = shared_from_this()] { self->chat_.leave(*self, "send queue exceeded"); });
}

void session::close_after_flush(std::string_view reason) { begin_close(reason); }

void session::begin_close(std::string_view reason) {
    if (closing_) return;
    closing_ = true;
    reason_ = reason;
    linger_deadline_ = clock::now() + close_linger;
    timer_.cancel();
    wake_writer();
}

void session::fail(std::string_view quit_reason, std::string_view log_reason, std::string error_line) {
    if (closing_) return;
    if (!error_line.empty()) deliver(share(std::move(error_line)));
    chat_.leave(*this, quit_reason);
    begin_close(log_reason);
}

void session::shutdown(const line_ptr& line) {
    // Stopping should not wait for peers to hang up once they have been told.
    drain_input_ = false;
    if (closing_) return maybe_finish();
    deliver(line);
    begin_close("server shutdown");
}

void session::close_now() { close_socket(); }

void session::maybe_finish() {
    if (flushed_ && (reader_done_ || !drain_input_)) close_socket();
}

void session::close_socket() {
    if (closed_) return;
    closed_ = true;
    io_->close();
    wake_.cancel();
    timer_.cancel();
    chat_.leave(*this, "connection lost");
    log_.conn("disconnect " + address_ + (chat().nick.empty() ? "" : " " + logger::field(chat().nick)) + ": " +
              (reason_.empty() ? "connection lost" : logger::field(reason_)));
    if (on_closed_) on_closed_(*this);
}

asio::awaitable<void> session::read_loop(std::shared_ptr<session>) {
    asio::error_code error;
    std::vector<char>& buf = read_scratch();
    bool more = false;  // the last read filled the buffer: data may be waiting without a new event
    for (;;) {
        if (more) {
            // Let other sessions run before reading on, so one fast sender cannot hog the thread.
            co_await asio::post(io_->get_executor(), use_awaitable);
        } else {
            // A quiet client should cost as little as possible while it sleeps: give back the
            // input buffers when they hold no partial line.
            splitter_.release_if_empty();
            std::string().swap(line_);
            auto [ec] = co_await io_->wait_readable();
            if (ec) {
                error = ec;
                break;
            }
        }
        if (closed_) break;
        asio::error_code ec;
        const std::size_t n = io_->read_now(buf, ec);
        more = !ec && n == buf.size();
        if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
        if (ec) {
            error = ec;
            break;
        }
        // While closing, input is read and dropped so our last frames are not lost to a reset.
        if (closing_) continue;
        splitter_.feed(std::string_view(buf.data(), n));
        const auto now = clock::now();
        for (;;) {
            const auto st = splitter_.next(line_);
            if (st == line_splitter::status::need_more) break;
            if (st == line_splitter::status::too_long) {
                fail("connection lost", "frame too long",
                     wire::error("frame_too_long",
                                 "a frame is at most " + std::to_string(lim_.max_frame) + " bytes; closing"));
                break;
            }
            last_heard_ = now;
            const bool was_registered = chat().registered;
            chat_.on_line(*this, line_, now);
            if (closing_) break;
            if (chat().registered != was_registered) {
                log_.conn("hello " + address_ + " as " + logger::field(chat().nick));
                // The watchdog swaps the hello deadline for the keep-alive schedule.
                timer_.cancel();
            }
        }
    }
    reader_done_ = true;
    if (closed_) co_return;
    if (!closing_) {
        chat_.leave(*this, "connection lost");
        if (error == asio::error::eof) {
            // The peer may only have shut down its sending side: still give it what is queued.
            begin_close("connection closed by peer");
        } else {
            reason_ = "connection lost";
            close_socket();
            co_return;
        }
    }
    maybe_finish();
}

std::size_t session::write_now(std::size_t& attempted, asio::error_code& ec) {
    // Nothing leaves before the turn's messages are in the store (a no-op when nothing is pending).
    chat_.end_turn();
    // Every queued line in one gathered write: a system call per few lines is what a fan-out costs most.
    std::vector<iovec>& iov = write_iov();
    iov.clear();
    attempted = 0;
    for (std::size_t i = head_; i < queue_.size() && iov.size() < max_iov && attempted < write_chunk; ++i) {
        const std::string& l = *queue_[i];
        const std::size_t off = i == head_ ? front_offset_ : 0;
        iov.push_back({const_cast<char*>(l.data()) + off, l.size() - off});
        attempted += l.size() - off;
    }
    return io_->write_now(iov, ec);
}

void session::flush_now() {
    while (head_ != queue_.size()) {
        asio::error_code ec;
        std::size_t attempted = 0;
        const std::size_t n = write_now(attempted, ec);
        if (ec) return;  // the writer meets the error itself and closes from a safe place
        consume(n);
        if (n < attempted) return;
    }
}

void session::consume(std::size_t written) {
    queued_bytes_ -= written;
    // Any byte taken by the kernel is progress: a peer that reads, however slowly, is not stalled.
    if (written > 0 && stall_from_ != clock::time_point::max()) stall_from_ = clock::now();
    while (written > 0) {
        const std::size_t left = queue_[head_]->size() - front_offset_;
        if (written < left) {
            front_offset_ += written;
            return;
        }
        written -= left;
        queue_[head_].reset();
        ++head_;
        front_offset_ = 0;
    }
    if (head_ == queue_.size()) {
        stall_from_ = clock::time_point::max();
        // A drained queue that grew (a burst, the join notices of a busy room) gives its memory
        // back: most connections are idle most of the time. Small ones are kept to avoid churn.
        if (queue_.capacity() > 8) {
            std::vector<line_ptr>().swap(queue_);
        } else {
            queue_.clear();
        }
        head_ = 0;
    } else if (head_ > 1024 && head_ * 2 > queue_.size()) {
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
}

asio::awaitable<void> session::write_loop(std::shared_ptr<session>) {
    while (!closed_) {
        if (head_ == queue_.size()) {
            if (closing_) {
                flushed_ = true;
                io_->shutdown_send();
                maybe_finish();
                co_return;
            }
            writer_idle_ = true;
            wake_.expires_at(clock::time_point::max());
            co_await wake_.async_wait(as_tuple(use_awaitable));
            writer_idle_ = false;
            continue;
        }
        // Everything queued since the last wake-up goes out in one write.
        asio::error_code ec;
        std::size_t attempted = 0;
        const std::size_t n = write_now(attempted, ec);
        const bool blocked = ec == asio::error::would_block || ec == asio::error::try_again;
        if (ec && !blocked) {
            if (reason_.empty()) reason_ = "connection lost";
            close_socket();
            co_return;
        }
        consume(n);
        if (!blocked && n == attempted) {
            stall_from_ = clock::time_point::max();
        } else {
            if (stall_from_ == clock::time_point::max()) {
                stall_from_ = clock::now();
                watch_stall();
            }
            // The kernel buffer is full, which arms its "writable again" notification: wait for it.
            auto [wec] = co_await io_->wait_writable();
            if (wec && !closed_) {
                if (reason_.empty()) reason_ = "connection lost";
                close_socket();
            }
        }
    }
}

session::clock::time_point session::next_deadline() const {
    if (closing_) return linger_deadline_;
    clock::time_point at;
    if (!chat().registered) {
        at = hello_deadline_;
    } else if (ping_outstanding_) {
        at = ping_sent_ + lim_.ping_timeout;
    } else {
        at = last_heard_ + lim_.ping_interval;
    }
    if (stalling()) at = std::min(at, stall_from_ + lim_.write_stall);
    return at;
}

bool session::stalling() const {
    return lim_.write_stall.count() > 0 && stall_from_ != clock::time_point::max();
}

void session::watch_stall() {
    // Cancelling makes the watchdog run now and re-arm for the nearer deadline.
    if (stalling() && stall_from_ + lim_.write_stall < timer_.expiry()) timer_.cancel();
}

void session::arm_watchdog() {
    timer_.expires_at(next_deadline());
    timer_.async_wait([self = shared_from_this()](const asio::error_code&) { self->on_watchdog(); });
}

void session::on_watchdog() {
    if (closed_) return;
    const auto now = clock::now();
    if (closing_) {
        if (now >= linger_deadline_) return close_socket();
    } else if (stalling() && now >= stall_from_ + lim_.write_stall) {
        // Nothing queued can reach this peer, so nothing more is queued: it is closed at once.
        log_.info("limit: write stall for " + address_ + " " + logger::field(chat().nick) + " (no byte taken in " +
                  seconds(lim_.write_stall) + " s)");
        reason_ = "write stall";
        chat_.leave(*this, "stopped reading");
        return close_socket();
    } else if (!chat().registered) {
        if (now >= hello_deadline_) {
            fail("connection lost", "hello timeout",
                 wire::error("hello_timeout", "no hello within " + seconds(lim_.hello_timeout) + " s"));
        }
    } else if (ping_outstanding_) {
        if (last_heard_ > ping_sent_) {
            ping_outstanding_ = false;
        } else if (now >= ping_sent_ + lim_.ping_timeout) {
            fail("ping timeout", "ping timeout",
                 wire::error("ping_timeout", "no answer to ping within " + seconds(lim_.ping_timeout) + " s"));
        }
    } else if (now >= last_heard_ + lim_.ping_interval) {
        deliver(share(wire::encode(wire::out_json{{"type", "ping"}, {"token", ++ping_token_}})));
        ping_outstanding_ = true;
        ping_sent_ = now;
    }
    if (!closed_) arm_watchdog();
}

}  // namespace chat
