#include "session.hpp"

#include <utility>

#include "wire.hpp"

namespace chat {

namespace {

using asio::use_awaitable;
using asio::experimental::as_tuple;

line_ptr share(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

std::string seconds(std::chrono::milliseconds ms) {
    std::string s = std::to_string(static_cast<double>(ms.count()) / 1000.0);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

session::session(asio::ip::tcp::socket socket, dispatcher& chat, const logger& log, std::string address,
                 closed_handler on_closed)
    : socket_(std::move(socket)),
      chat_(chat),
      log_(log),
      lim_(chat.bounds()),
      address_(std::move(address)),
      on_closed_(std::move(on_closed)),
      read_buf_{},
      splitter_(lim_.max_frame),
      wake_(socket_.get_executor()),
      timer_(socket_.get_executor()) {}

void session::start() {
    asio::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    const auto now = clock::now();
    hello_deadline_ = now + lim_.hello_timeout;
    last_heard_ = now;
    auto self = shared_from_this();
    const auto ex = socket_.get_executor();
    asio::co_spawn(ex, read_loop(self), asio::detached);
    asio::co_spawn(ex, write_loop(self), asio::detached);
    asio::co_spawn(ex, watchdog(self), asio::detached);
}

void session::deliver(const line_ptr& line) {
    if (closing_) return;
    if (queued_bytes_ + line->size() > lim_.sendq) {
        on_overflow();
        return;
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
    // Runs inside a fan-out: drop what is not yet being written, queue the last word, and leave the
    // rooms only after the fan-out is over.
    for (const line_ptr& l : queue_) queued_bytes_ -= l->size();
    queue_.clear();
    line_ptr last = share(wire::error("sendq_exceeded", "you stopped reading; the send queue passed " +
                                                            std::to_string(lim_.sendq) + " bytes"));
    queued_bytes_ += last->size();
    queue_.push_back(std::move(last));
    log_.info("limit: send queue exceeded for " + address_ + " " + logger::field(chat().nick));
    begin_close("send queue exceeded");
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->chat_.leave(*self, "send queue exceeded"); });
}

void session::close_after_flush(std::string_view reason) { begin_close(reason); }

void session::begin_close(std::string_view reason) {
    if (closing_) return;
    closing_ = true;
    reason_ = reason;
    linger_deadline_ = clock::now() + lim_.shutdown_grace;
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
    asio::error_code ec;
    socket_.close(ec);
    wake_.cancel();
    timer_.cancel();
    chat_.leave(*this, "connection lost");
    log_.conn("disconnect " + address_ + (chat().nick.empty() ? "" : " " + logger::field(chat().nick)) + ": " +
              (reason_.empty() ? "connection lost" : logger::field(reason_)));
    if (on_closed_) on_closed_(*this);
}

asio::awaitable<void> session::read_loop(std::shared_ptr<session>) {
    asio::error_code error;
    for (;;) {
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buf_), as_tuple(use_awaitable));
        if (ec) {
            error = ec;
            break;
        }
        // While closing, input is read and dropped so our last frames are not lost to a reset.
        if (closing_) continue;
        splitter_.feed(std::string_view(read_buf_.data(), n));
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
            // Registered: the watchdog swaps the hello deadline for the keep-alive schedule.
            if (chat().registered != was_registered) timer_.cancel();
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

asio::awaitable<void> session::write_loop(std::shared_ptr<session>) {
    while (!closed_) {
        if (queue_.empty()) {
            if (closing_) {
                flushed_ = true;
                asio::error_code ec;
                socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
                maybe_finish();
                co_return;
            }
            writer_idle_ = true;
            wake_.expires_at(clock::time_point::max());
            co_await wake_.async_wait(as_tuple(use_awaitable));
            writer_idle_ = false;
            continue;
        }
        // Everything queued goes out in one gathered write.
        writing_.swap(queue_);
        buffers_.clear();
        std::size_t bytes = 0;
        for (const line_ptr& l : writing_) {
            buffers_.push_back(asio::buffer(*l));
            bytes += l->size();
        }
        auto [ec, n] = co_await asio::async_write(socket_, buffers_, as_tuple(use_awaitable));
        writing_.clear();
        queued_bytes_ -= bytes;
        if (ec) {
            if (!closed_) {
                if (reason_.empty()) reason_ = "connection lost";
                close_socket();
            }
            co_return;
        }
    }
}

session::clock::time_point session::next_deadline() const {
    if (closing_) return linger_deadline_;
    if (!chat().registered) return hello_deadline_;
    if (ping_outstanding_) return ping_sent_ + lim_.ping_timeout;
    return last_heard_ + lim_.ping_interval;
}

asio::awaitable<void> session::watchdog(std::shared_ptr<session>) {
    while (!closed_) {
        timer_.expires_at(next_deadline());
        co_await timer_.async_wait(as_tuple(use_awaitable));
        if (closed_) co_return;
        const auto now = clock::now();
        if (closing_) {
            if (now >= linger_deadline_) close_socket();
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
            deliver(share(encode(json{{"type", "ping"}, {"token", ++ping_token_}})));
            ping_outstanding_ = true;
            ping_sent_ = now;
        }
    }
}

}  // namespace chat
