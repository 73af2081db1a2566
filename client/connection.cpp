#include "connection.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <algorithm>

#include "context.hpp"
#include "framing.hpp"
#include "known_servers.hpp"
#include "outgoing.hpp"
#include "protocol.hpp"
#include "utf8.hpp"

namespace chat::client {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

connection::connection(connection_config cfg, event_queue& events)
    : cfg_(std::move(cfg)),
      events_(events),
      tls_(chat::tls::client_context(cfg_.identity.get())),
      where_(server_key(cfg_.host, cfg_.port)),
      write_wake_(io_),
      backoff_timer_(io_),
      close_timer_(io_),
      room_timer_(io_),
      reconnect_(cfg_.reconnect),
      rng_(std::random_device{}()) {
    // Called on the UI thread when a full lossless queue has room again: the read loop goes on.
    events_.set_on_room([this] { asio::post(io_, [this] { room_timer_.cancel(); }); });
}

connection::~connection() {
    events_.set_on_room(nullptr);
    stop();
}

void connection::start() {
    if (started_.exchange(true)) return;
    asio::co_spawn(io_, run(), asio::detached);
    thread_ = std::thread([this] {
        io_.run();
        finished_.set_value();
    });
}

void connection::emit(net_event::kind k, std::string text, std::int64_t number) {
    net_event ev;
    ev.what = k;
    ev.text = std::move(text);
    ev.number = number;
    events_.push(std::move(ev));
}

void connection::send(std::string frame) {
    backlog_.fetch_add(frame.size(), std::memory_order_relaxed);
    asio::post(io_, [this, f = std::move(frame)]() mutable { enqueue(std::move(f)); });
}

void connection::notify_when_drained(std::size_t below) {
    drained_below_.store(below, std::memory_order_relaxed);
    want_drained_.store(true, std::memory_order_release);
    settled(0);  // it may have drained already
}

void connection::settled(std::size_t bytes) {
    const std::size_t left = backlog_.fetch_sub(bytes, std::memory_order_acq_rel) - bytes;
    if (left <= drained_below_.load(std::memory_order_relaxed) && want_drained_.exchange(false, std::memory_order_acq_rel)) {
        emit(net_event::kind::drained);
    }
}

void connection::do_send(std::string frame) {
    backlog_.fetch_add(frame.size(), std::memory_order_relaxed);
    enqueue(std::move(frame));
}

void connection::enqueue(std::string frame) {
    // A server that stopped reading must not make us hold unbounded data.
    // Either way the UI hears of it: a frame is never dropped without a word (after quit, nobody
    // waits for the rest).
    if (!session_up_ || closing_ || out_bytes_ + frame.size() > cfg_.max_send_bytes) {
        settled(frame.size());
        if (!closing_ && !stopping_) {
            emit(net_event::kind::unsent, std::move(frame), session_up_ ? net_event::unsent_full : net_event::unsent_down);
        }
        return;
    }
    out_bytes_ += frame.size();
    out_.push_back(std::move(frame));
    write_wake_.cancel();
}

void connection::reconnect_now() {
    asio::post(io_, [this] {
        attempt_ = 0;
        backoff_timer_.cancel();
    });
}

void connection::close(std::string last_frame, std::chrono::milliseconds grace) {
    asio::post(io_, [this, f = std::move(last_frame), grace]() mutable {
        do_send(std::move(f));
        closing_ = true;
        backoff_timer_.cancel();
        if (!session_up_) {
            stopping_ = true;
            if (socket_ != nullptr) {
                std::error_code ignored;
                socket_->close(ignored);
            }
            return;
        }
        asio::co_spawn(io_, close_after(grace), asio::detached);
    });
}

asio::awaitable<void> connection::close_after(std::chrono::milliseconds grace) {
    // The server closes after quit; if it does not within the grace period, we do.
    close_timer_.expires_after(grace);
    auto [ec] = co_await close_timer_.async_wait(use_tuple);
    if (!ec && socket_ != nullptr) {
        std::error_code ignored;
        socket_->close(ignored);
    }
}

void connection::stop() {
    if (stopped_ || !started_) return;
    stopped_ = true;
    asio::post(io_, [this] {
        stopping_ = true;
        backoff_timer_.cancel();
        close_timer_.cancel();
        write_wake_.cancel();
        if (socket_ != nullptr) {
            std::error_code ignored;
            socket_->close(ignored);
        }
    });
    // Normally run() finishes at once; stopping the context is the backstop. A name lookup in
    // progress (getaddrinfo cannot be interrupted) is waited for.
    if (thread_.joinable()) {
        if (finished_.get_future().wait_for(std::chrono::seconds(2)) != std::future_status::ready) io_.stop();
        thread_.join();
    }
}

std::chrono::milliseconds connection::next_backoff() {
    // 0.5 s doubling to the cap, each wait drawn from [d/2, d] so a restarted server is not hit
    // by every client at the same instant.
    const int shift = std::min(attempt_, 16);
    const auto full = std::min<long long>(cfg_.backoff_first.count() << shift, cfg_.backoff_max.count());
    ++attempt_;
    std::uniform_int_distribution<long long> pick(full / 2, full);
    return std::chrono::milliseconds(pick(rng_));
}

asio::awaitable<void> connection::run() {
    const std::string where = cfg_.host.find(':') != std::string::npos
                                  ? "[" + cfg_.host + "]:" + std::to_string(cfg_.port)
                                  : cfg_.host + ":" + std::to_string(cfg_.port);
    tcp::resolver resolver(io_);
    while (!stopping_ && !closing_) {
        emit(net_event::kind::connecting, where);
        std::string reason;
        // Resolved here, blocking this thread: nothing else runs on it before a socket exists, and
        // asio's async_resolve would start a hidden third thread for getaddrinfo.
        std::error_code rec;
        resolving_.store(true, std::memory_order_release);
        const auto results = resolver.resolve(cfg_.host, std::to_string(cfg_.port), rec);
        resolving_.store(false, std::memory_order_release);
        if (stopping_) break;
        if (rec) {
            reason = "cannot resolve " + cfg_.host + ": " + rec.message();
        } else {
            stream sock(io_, tls_);
            socket_ = &sock.next_layer();
            asio::steady_timer limit(io_, cfg_.connect_timeout);
            auto raced = co_await (asio::async_connect(sock.next_layer(), results, use_tuple) || limit.async_wait(use_tuple));
            std::error_code cec = asio::error::timed_out;
            if (raced.index() == 0) cec = std::get<0>(std::get<0>(raced));
            if (!cec && !stopping_ && !closing_) {
                std::error_code ignored;
                sock.next_layer().set_option(tcp::no_delay(true), ignored);
                untrusted_.clear();
                presented_.clear();
                sock.set_verify_callback([this](bool ok, asio::ssl::verify_context& vc) { return verify_pin(ok, vc); });
                // The handshake has the connect's deadline: a server that accepts and says nothing
                // (or speaks no TLS) is not waited for.
                limit.expires_after(cfg_.connect_timeout);
                auto shaken = co_await (sock.async_handshake(stream::client, use_tuple) || limit.async_wait(use_tuple));
                cec = asio::error::timed_out;
                if (shaken.index() == 0) cec = std::get<0>(std::get<0>(shaken));
                if (!untrusted_.empty()) {
                    socket_ = nullptr;
                    std::error_code ignored2;
                    sock.next_layer().close(ignored2);
                    // A key that is not pinned is never retried: only the user can decide.
                    net_event ev;
                    ev.what = net_event::kind::untrusted;
                    ev.text = chat::utf8::sanitize(untrusted_);
                    if (untrusted_unknown_) ev.key = presented_;
                    events_.push(std::move(ev));
                    emit(net_event::kind::disconnected, chat::utf8::sanitize(untrusted_));
                    break;
                }
                if (cec && cec != asio::error::timed_out) {
                    reason = "no TLS session with " + where + ": " + cec.message() +
                             " (is it a chatd older than TLS, or not chatd at all?)";
                } else if (cec) {
                    reason = "no TLS handshake from " + where + " within " +
                             std::to_string(cfg_.connect_timeout.count() / 1000) + " s";
                } else {
                    socket_ = nullptr;
                    if (stopping_ || closing_) break;
                    reason = co_await run_session(sock);
                }
            } else if (cec) {
                reason = "cannot connect to " + where + ": " + cec.message();
            }
            socket_ = nullptr;
            if (stopping_ || closing_) break;
        }
        emit(net_event::kind::disconnected, chat::utf8::sanitize(reason));
        if (stopping_ || closing_ || !reconnect_) break;
        if (welcomed_) attempt_ = 0;
        welcomed_ = false;
        const auto wait = next_backoff();
        emit(net_event::kind::reconnect_wait, {}, wait.count());
        backoff_timer_.expires_after(wait);
        co_await backoff_timer_.async_wait(use_tuple);
    }
    emit(net_event::kind::closed);
    io_.stop();
}

bool connection::verify_pin(bool, asio::ssl::verify_context& vc) {
    X509_STORE_CTX* store = vc.native_handle();
    // Only the server's own key is pinned; whatever chain or CA comes with it means nothing here.
    if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
    untrusted_unknown_ = false;
    presented_ = chat::tls::fingerprint(X509_STORE_CTX_get_current_cert(store));
    if (presented_.empty()) {
        untrusted_ = "the server presented no usable key";
        return false;
    }
    known_servers known;
    std::string error;
    if (!read_known_servers(cfg_.known_servers_path, known, error)) {
        untrusted_ = error;
        return false;
    }
    const pin_check pin = check_pin(known, where_, presented_);
    if (pin.what == pin_check::verdict::trusted) return true;
    if (pin.what == pin_check::verdict::changed) {
        untrusted_ = changed_key_message(*pin.pinned, presented_, cfg_.known_servers_path);
        untrusted_unknown_ = false;
        return false;
    }
    if (cfg_.trust_first_use || cfg_.trust == presented_) {
        if (auto e = add_known_server(cfg_.known_servers_path, where_, presented_); !e.empty()) {
            untrusted_ = "cannot remember the server's key: " + e;
            untrusted_unknown_ = false;
            return false;
        }
        return true;
    }
    untrusted_unknown_ = cfg_.trust.empty();
    untrusted_ = cfg_.trust.empty()
                     ? "the server " + where_ + " is not known; its key is " + presented_ +
                           ". Check it with the server's operator (chatd --fingerprint), then connect with --trust " +
                           presented_ + " (or --trust-first-use)"
                     : "the server " + where_ + " presents the key " + presented_ + ", not the " + cfg_.trust +
                           " given with --trust; refused";
    return false;
}

asio::awaitable<std::string> connection::run_session(stream& sock) {
    socket_ = &sock.next_layer();
    session_up_ = true;
    out_.clear();
    settled(out_bytes_);
    out_bytes_ = 0;
    last_rx_ = std::chrono::steady_clock::now();
    emit(net_event::kind::connected);
    // Whichever loop ends first (EOF, error, dead link) ends the others.
    auto result = co_await (read_loop(sock) || write_loop(sock) || keepalive_loop());
    socket_ = nullptr;
    session_up_ = false;
    // What was still queued never went out: the UI hears of each frame (say/pm settle on reconnect).
    for (auto& f : out_) {
        settled(f.size());
        if (!closing_ && !stopping_) emit(net_event::kind::unsent, std::move(f), net_event::unsent_cut);
    }
    out_.clear();
    out_bytes_ = 0;
    std::error_code ignored;
    sock.next_layer().close(ignored);
    std::string reason;
    std::visit([&](const std::string& r) { reason = r; }, result);
    co_return reason;
}

asio::awaitable<std::string> connection::read_loop(stream& sock) {
    chat::line_splitter splitter(cfg_.max_frame);
    std::string buf(8192, '\0');
    std::string line;
    for (;;) {
        // Line mode: while the UI thread has not taken what was read, nothing more is read. The
        // server's send queue then fills, and its own bound applies (it closes a client too slow).
        while (!events_.has_room()) {
            read_paused_ = true;
            room_timer_.expires_after(std::chrono::seconds(1));  // a lost wake-up costs a second at most
            co_await room_timer_.async_wait(use_tuple);  // woken early by the queue's on_room
            const auto cs = co_await asio::this_coro::cancellation_state;
            if (cs.cancelled() != asio::cancellation_type::none) co_return "stopped";
        }
        if (read_paused_) {
            read_paused_ = false;
            last_rx_ = std::chrono::steady_clock::now();  // not reading is not the server's silence
        }
        auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf), use_tuple);
        if (ec) {
            // A server that closes without TLS close_notify has still ended the stream at a frame
            // boundary as far as the lines go: it is the end, not an attack.
            if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
                co_return closing_ ? "closed" : "the server closed the connection";
            }
            co_return ec.message();
        }
        last_rx_ = std::chrono::steady_clock::now();
        splitter.feed(std::string_view(buf.data(), n));
        for (;;) {
            const auto st = splitter.next(line);
            if (st == chat::line_splitter::status::need_more) break;
            if (st == chat::line_splitter::status::too_long) {
                emit(net_event::kind::garbled, "a line from the server is longer than " + std::to_string(cfg_.max_frame) + " bytes");
                co_return "the server sent a frame that is too long";
            }
            on_line(line);
        }
    }
}

void connection::on_line(std::string_view line) {
    auto r = chat::decode(line, cfg_.max_depth);
    if (!r) {
        emit(net_event::kind::garbled, chat::utf8::sanitize(r.error.code + ": " + r.error.message));
        return;
    }
    chat::frame& f = *r.value;
    if (f.type == "ping") {
        do_send(outgoing::pong(f.body));
        return;
    }
    if (f.type == "pong") return;
    if (f.type == "welcome") {
        welcomed_ = true;
        reconnect_ = true;
    }
    net_event ev;
    ev.what = net_event::kind::frame;
    ev.body = std::move(f);
    events_.push(std::move(ev));
}

asio::awaitable<std::string> connection::write_loop(stream& sock) {
    for (;;) {
        while (!out_.empty()) {
            // Frames queued meanwhile go out in one write (a pipe into line mode queues thousands).
            std::string batch = std::move(out_.front());
            out_.pop_front();
            while (!out_.empty() && batch.size() + out_.front().size() <= 64 * 1024) {
                batch += out_.front();
                out_.pop_front();
            }
            out_bytes_ -= batch.size();
            auto [ec, n] = co_await asio::async_write(sock, asio::buffer(batch), use_tuple);
            settled(batch.size());
            if (ec) co_return ec.message();
        }
        write_wake_.expires_at(std::chrono::steady_clock::time_point::max());
        co_await write_wake_.async_wait(use_tuple);
        if (stopping_) co_return "stopped";
    }
}

asio::awaitable<std::string> connection::keepalive_loop() {
    asio::steady_timer timer(io_);
    // A server that accepts but never answers hello (stopped, or not chatd at all) is given up on.
    timer.expires_after(cfg_.register_timeout);
    auto [rec] = co_await timer.async_wait(use_tuple);
    if (rec) co_return "stopped";
    if (!welcomed_) {
        co_return "no welcome from the server within " + std::to_string(cfg_.register_timeout.count() / 1000) + " s";
    }
    for (;;) {
        timer.expires_at(last_rx_ + cfg_.ping_idle);
        auto [ec] = co_await timer.async_wait(use_tuple);
        if (ec) co_return "stopped";
        if (read_paused_) last_rx_ = std::chrono::steady_clock::now();
        if (std::chrono::steady_clock::now() < last_rx_ + cfg_.ping_idle) continue;
        // Silence: only an application ping tells a hung server from a quiet one.
        const auto asked = std::chrono::steady_clock::now();
        do_send(outgoing::ping(++ping_token_));
        timer.expires_after(cfg_.ping_timeout);
        auto [ec2] = co_await timer.async_wait(use_tuple);
        if (ec2) co_return "stopped";
        if (last_rx_ < asked) {
            co_return "no answer from the server for " +
                      std::to_string((cfg_.ping_idle + cfg_.ping_timeout).count() / 1000) + " s";
        }
    }
}

}  // namespace chat::client
