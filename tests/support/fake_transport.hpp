// A transport whose peer is the test, for real sessions driven handler by handler with
// io_context::poll() / poll_one() (no socket, no clock): what the peer sends is fed in, what the
// session writes is recorded with each write_now call, and the test decides how much a write takes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "transport.hpp"

namespace chat::test {

// What the fake transport saw and holds; outlives it (the session owns the transport).
struct wire_record {
    std::string in;                         // bytes the peer has sent that the session has not read yet
    bool eof = false;                       // the peer has closed its side (once `in` is read)
    std::size_t writes = 0;                 // write_now calls
    std::vector<std::size_t> iov_counts;    // buffers offered per call
    std::string sent;                       // bytes taken, in order
    std::size_t budget = std::numeric_limits<std::size_t>::max();  // bytes the transport still takes
    bool closed = false;
    std::vector<std::string>* events = nullptr;  // "write" appended per call, if set
};

class fake_transport final : public chat::transport {
public:
    fake_transport(asio::io_context& io, std::shared_ptr<wire_record> rec)
        : rec_(std::move(rec)), read_wait_(io), write_wait_(io) {}
    ~fake_transport() override { rec_->closed = true; }

    // The peer sends `bytes` (an empty string just wakes the reader, e.g. after setting eof).
    void feed(const std::string& bytes) {
        rec_->in += bytes;
        read_wait_.cancel();
    }
    // The test makes the transport writable again.
    static void make_writable(fake_transport& t, std::size_t budget) {
        t.rec_->budget = budget;
        t.write_wait_.cancel();
    }

    chat::io_executor get_executor() override { return read_wait_.get_executor(); }
    asio::ip::tcp::endpoint remote_endpoint(asio::error_code& ec) const override {
        ec.clear();
        return {};
    }
    void async_wait_readable(ready_handler done) override {
        if (rec_->closed) {
            asio::post(read_wait_.get_executor(), [done = std::move(done)] { done(asio::error::operation_aborted); });
            return;
        }
        if (!rec_->in.empty() || rec_->eof) {
            asio::post(read_wait_.get_executor(), [done = std::move(done)] { done(asio::error_code{}); });
            return;
        }
        // feed() and close() cancel the timer; a closed transport may be gone by then, so only
        // the shared record is looked at before `this` is.
        read_wait_.expires_at(chat::io_timer::time_point::max());
        read_wait_.async_wait([this, rec = rec_, done = std::move(done)](const asio::error_code&) mutable {
            if (rec->closed) return done(asio::error::operation_aborted);
            async_wait_readable(std::move(done));
        });
    }
    std::size_t read_now(std::span<char> buf, asio::error_code& ec) override {
        if (rec_->in.empty()) {
            ec = rec_->eof ? asio::error_code(asio::error::eof) : asio::error_code(asio::error::would_block);
            return 0;
        }
        const std::size_t n = std::min(buf.size(), rec_->in.size());
        rec_->in.copy(buf.data(), n);
        rec_->in.erase(0, n);
        ec.clear();
        return n;
    }
    std::size_t write_now(std::span<const iovec> bufs, asio::error_code& ec) override {
        ++rec_->writes;
        rec_->iov_counts.push_back(bufs.size());
        if (rec_->events) rec_->events->push_back("write");
        std::size_t took = 0;
        for (const iovec& b : bufs) {
            const std::size_t n = std::min(b.iov_len, rec_->budget - took);
            rec_->sent.append(static_cast<const char*>(b.iov_base), n);
            took += n;
            if (n < b.iov_len) break;
        }
        rec_->budget -= took;
        if (took == 0) {
            ec = asio::error::would_block;
        } else {
            ec.clear();
        }
        return took;
    }
    wait_result wait_writable() override {
        return wait_for(write_wait_, [rec = rec_] { return rec->budget > 0; });
    }
    void shutdown_send() override {}
    void close() override {
        rec_->closed = true;
        read_wait_.cancel();
        write_wait_.cancel();
    }

private:
    // Completes when `ready()` holds after a cancel(), or with operation_aborted once closed.
    template <typename Ready>
    wait_result wait_for(chat::io_timer& t, Ready ready) {
        for (;;) {
            if (rec_->closed) co_return std::tuple{asio::error_code(asio::error::operation_aborted)};
            if (ready()) co_return std::tuple{asio::error_code{}};
            t.expires_at(chat::io_timer::time_point::max());
            co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        }
    }

    std::shared_ptr<wire_record> rec_;
    chat::io_timer read_wait_;
    chat::io_timer write_wait_;
};

}  // namespace chat::test
