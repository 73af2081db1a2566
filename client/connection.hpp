// The network thread: owns the socket and its io_context, connects and reconnects with backoff,
// turns server lines into events for the UI, keeps the link alive with pings.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <random>
#include <string>
#include <thread>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "event_queue.hpp"
#include "identity.hpp"
#include "limits.hpp"

namespace chat::client {

struct connection_config {
    std::string host;
    std::uint16_t port = chat::default_port;
    // Longest line accepted from the server. Server frames are not bound by the server's own
    // max_frame (that caps what clients send): a /rooms or /who answer on a busy server is larger.
    std::size_t max_frame = chat::client_bounds::server_line;
    std::size_t max_depth = chat::client_bounds::server_depth;
    std::size_t max_send_bytes = chat::client_bounds::send_bytes;  // outgoing frames queued before new ones are refused
    std::chrono::milliseconds ping_idle{60'000};
    std::chrono::milliseconds ping_timeout{30'000};
    std::chrono::milliseconds connect_timeout{10'000};   // a SYN into the void gives up after this
    std::chrono::milliseconds register_timeout{10'000};  // connected but no welcome (a stopped server)
    std::chrono::milliseconds backoff_first{500};
    std::chrono::milliseconds backoff_max{30'000};
    bool reconnect = true;  // false: report the first failure and stop (used before the first welcome)
    // TLS: the key presented as this client's certificate (none: an anonymous client), the pins, and
    // what an unpinned server may be trusted by (--trust SHA256:..., --trust-first-use).
    std::shared_ptr<const chat::tls::identity> identity;
    std::string known_servers_path;
    std::string trust;
    bool trust_first_use = false;
};

class connection {
public:
    connection(connection_config cfg, event_queue& events);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start();
    // From the UI thread: queue one encoded frame. Dropped when not connected (the UI keeps
    // lines typed while offline itself).
    void send(std::string frame);
    // Bytes given to send() and not written to the socket (nor dropped) yet; any thread.
    std::size_t backlog() const { return backlog_.load(std::memory_order_acquire); }
    // From the UI thread: one `drained` event once backlog() is at most `below` (at once if it is).
    void notify_when_drained(std::size_t below);
    // From the UI thread: while waiting to reconnect, try now.
    void reconnect_now();
    // From the UI thread: send a last frame (quit) and stop once the server closes or after
    // `grace`. A `closed` event follows.
    void close(std::string last_frame, std::chrono::milliseconds grace);
    // Stops the thread now and joins it. Safe to call twice. A name lookup in progress cannot be
    // interrupted and is waited for: see resolving().
    void stop();
    // Whether the network thread is inside a name lookup (getaddrinfo), which a dead name server can
    // hold for a minute. Then nothing can reach the server, and a quitting UI need not wait for it.
    bool resolving() const { return resolving_.load(std::memory_order_acquire); }

private:
    asio::awaitable<void> run();
    using stream = asio::ssl::stream<asio::ip::tcp::socket>;
    asio::awaitable<std::string> run_session(stream& sock);
    asio::awaitable<std::string> read_loop(stream& sock);
    asio::awaitable<std::string> write_loop(stream& sock);
    asio::awaitable<std::string> keepalive_loop();
    // The verify callback's decision on the key the server presented (see known_servers.hpp); a
    // refusal sets untrusted_ so the handshake's failure is reported as what it is.
    bool verify_pin(bool preverified, asio::ssl::verify_context& vc);
    asio::awaitable<void> close_after(std::chrono::milliseconds grace);
    void do_send(std::string frame);  // a frame of the network thread's own (pong, ping)
    void enqueue(std::string frame);  // counted in backlog_ already
    void settled(std::size_t bytes);  // `bytes` left the backlog: written or dropped
    void on_line(std::string_view line);
    void emit(net_event::kind k, std::string text = {}, std::int64_t number = 0);
    std::chrono::milliseconds next_backoff();

    connection_config cfg_;
    event_queue& events_;
    asio::io_context io_;
    asio::ssl::context tls_;
    std::string where_;          // "host:port" as pinned
    std::string untrusted_;      // why the last handshake was refused by pinning ("" if it was not)
    bool untrusted_unknown_ = false;  // ... because the key was unknown (not changed)
    std::string presented_;      // the key the server presented in the last handshake
    std::thread thread_;
    std::atomic<bool> started_{false};
    std::atomic<bool> resolving_{false};
    std::atomic<std::size_t> backlog_{0};
    std::atomic<std::size_t> drained_below_{0};
    std::atomic<bool> want_drained_{false};
    bool stopped_ = false;  // UI side: stop() already ran
    std::promise<void> finished_;

    // Owned by the network thread.
    asio::ip::tcp::socket* socket_ = nullptr;  // the socket being connected or in session, if any
    bool session_up_ = false;
    asio::steady_timer write_wake_;
    asio::steady_timer backoff_timer_;
    asio::steady_timer close_timer_;
    asio::steady_timer room_timer_;  // the read loop waits on it while a lossless event queue is full
    bool read_paused_ = false;       // ... and then the silence of the socket tells nothing
    std::deque<std::string> out_;
    std::size_t out_bytes_ = 0;
    bool closing_ = false;
    bool stopping_ = false;
    bool welcomed_ = false;  // this session got a welcome
    bool reconnect_;         // set by the first welcome when the config starts without it
    int attempt_ = 0;
    std::chrono::steady_clock::time_point last_rx_;
    std::int64_t ping_token_ = 0;
    std::minstd_rand rng_;
};

}  // namespace chat::client
