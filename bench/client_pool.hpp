// The benchmark's clients and the one epoll instance that drives them all, with the set-up phase
// (connect, TLS handshake with --tls, register, join the room) that every workload shares.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <protocol.hpp>

#include "client.hpp"
#include "options.hpp"
#include "protocol_adapter.hpp"

namespace bench {

// Steady clock in ns; the clock that stamps and times every message.
std::int64_t now_ns();

class client_pool {
public:
    client_pool(const options& opt, const protocol_adapter& proto, std::string room);
    client_pool(const client_pool&) = delete;
    client_pool& operator=(const client_pool&) = delete;
    ~client_pool();

    // Opens `count` clients, at most `connect_concurrency` in set-up at once, each registered and in
    // the room. False (with error()) if the deadline passes or the server refuses one.
    bool set_up(int count);
    // Without waiting: makes room for `count` clients in all (more than now), whom start_pending()
    // then lets in, at most `connect_concurrency` in set-up at once, as the caller polls.
    void grow(int count);
    void start_pending();
    int ready() const { return ready_; }
    // Handshake workload: a client counts as ready once its TLS handshake is done, and is then
    // closed at once; it neither registers nor joins. Set before set_up().
    void set_handshake_only(bool on) { handshake_only_ = on; }
    // The first completed handshake: protocol version, cipher, key exchange group, server key type.
    const chat::json& tls_info() const { return tls_info_; }
    // Reads until no byte arrived for `settle` seconds (at most 10 s), so set-up traffic (join
    // notices, names lists) is over before anything is measured.
    void settle();

    // One epoll_wait of at most `timeout_ns`. Calls h.on_message(index, text, recv_ns) for each bench
    // message and h.on_writable(index) when a client's write buffer has drained. Returns events seen.
    template <typename H>
    int poll_once(std::int64_t timeout_ns, H& h);
    // The first `count` clients get their own epoll set, polled between every 8 events of the
    // others: the storm's paced clients are not made to wait behind a crowd's set-up traffic in
    // the load generator. Call before grow().
    void set_first(int count);

    // Writes what `index` has queued; arms EPOLLOUT if the socket is full.
    void send(int index);

    client& at(int index) { return clients_[static_cast<std::size_t>(index)]; }
    int size() const { return static_cast<int>(clients_.size()); }
    int lost_connections() const { return lost_; }
    int connect_retries() const { return retries_; }
    const std::string& error() const { return error_; }
    const std::string& room() const { return room_; }
    const protocol_adapter& proto() const { return proto_; }

private:
    struct no_handler {
        void on_message(int, std::string_view, std::int64_t) {}
        void on_writable(int) {}
    };

    void start_next();
    void start_connect(int index);
    // A connect that failed in set-up is tried again a few times (a loaded server may reset a
    // connection its accept queue had no room for); the retries are reported.
    void retry_connect(int index, int err);
    void set_interest(int index, bool want_write);
    void lose(int index, std::string_view why);
    // Steps the TLS handshake of `index`; when it is done, registers (or, handshake only, closes).
    void step_handshake(int index);
    void note_tls(SSL* ssl);
    template <typename H>
    void poll_first(H& h);
    template <typename H>
    void handle(int index, std::uint32_t ev, H& h);
    int epfd_for(int index) const { return index < first_count_ ? first_fd_ : epfd_; }
    static constexpr std::uint32_t first_marker = 0xffffffffu;
    // Set-up transitions driven by a line; true if the line was a bench message for the workload.
    bool on_line(int index, std::string_view line, std::string_view& text);

    const options& opt_;
    const protocol_adapter& proto_;
    std::string room_;
    std::string nick_prefix_;
    sockaddr_storage addr_{};
    socklen_t addr_len_ = 0;
    int epfd_ = -1;
    int first_fd_ = -1;      // set_first: the first clients' epoll set, itself in epfd_
    int first_count_ = 0;
    std::vector<epoll_event> first_events_;
    SSL_CTX* tls_ = nullptr;     // --tls: the client context every connection shares
    bool handshake_only_ = false;
    chat::json tls_info_ = chat::json::object();
    std::vector<client> clients_;
    std::vector<epoll_event> events_;
    std::string reply_;
    int target_ = 0;        // clients to set up in all
    int started_ = 0;       // clients whose connect was started
    int in_setup_ = 0;      // started but not yet in the room
    int ready_ = 0;
    int lost_ = 0;          // connections that closed or failed
    int retries_ = 0;       // connects tried again after a failure
    std::vector<int> attempts_;  // per client: connects started
    std::string error_;
};

template <typename H>
int client_pool::poll_once(std::int64_t timeout_ns, H& h) {
    if (timeout_ns < 0) timeout_ns = 0;
    const timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
                      static_cast<long>(timeout_ns % 1'000'000'000)};
    const int n = ::epoll_pwait2(epfd_, events_.data(), static_cast<int>(events_.size()), &ts, nullptr);
    for (int e = 0; e < n; ++e) {
        // The first clients (set_first) are looked at between every few others, so what they
        // receive is stamped when it arrives, not after a crowd's backlog.
        if (first_fd_ >= 0 && e % 8 == 0) poll_first(h);
        const auto index = events_[static_cast<std::size_t>(e)].data.u32;
        if (index == first_marker) continue;
        handle(static_cast<int>(index), events_[static_cast<std::size_t>(e)].events, h);
    }
    if (first_fd_ >= 0) poll_first(h);
    return n;
}

template <typename H>
void client_pool::poll_first(H& h) {
    const int n = ::epoll_wait(first_fd_, first_events_.data(), static_cast<int>(first_events_.size()), 0);
    for (int e = 0; e < n; ++e) {
        const auto& ev = first_events_[static_cast<std::size_t>(e)];
        handle(static_cast<int>(ev.data.u32), ev.events, h);
    }
}

template <typename H>
void client_pool::handle(int index, std::uint32_t ev, H& h) {
    client& c = at(index);
    if (c.state() == client::phase::closed) return;
    if (c.state() == client::phase::connecting) {
        if (const int err = c.finish_connect(); err != 0) {
            retry_connect(index, err);
            return;
        }
        if (tls_ != nullptr) {
            if (!c.start_tls(tls_, static_cast<std::size_t>(opt_.tls_record))) {
                lose(index, "cannot make a TLS session");
                return;
            }
            step_handshake(index);
            return;
        }
        c.set_state(client::phase::registering);
        c.queue(proto_.hello(nick_prefix_ + std::to_string(index)));
        send(index);
        return;
    }
    if (c.state() == client::phase::handshaking) {
        step_handshake(index);
        return;
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        const client::io r = c.read_some();
        if (r == client::io::closed) {
            lose(index, "connection closed by the server");
            return;
        }
        const std::int64_t recv_ns = now_ns();
        c.each_line([&](std::string_view line) {
            std::string_view text;
            if (on_line(index, line, text)) h.on_message(index, text, recv_ns);
        });
        if (!reply_.empty()) {
            c.queue(reply_);
            reply_.clear();
            send(index);
        }
    }
    if ((ev & EPOLLOUT) && c.state() != client::phase::closed) {
        send(index);
        if (c.pending_out() == 0) h.on_writable(index);
    }
}

}  // namespace bench
