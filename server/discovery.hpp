// chatd's discovery responder: answers the LAN's discovery queries (common/discovery.hpp) on a UDP
// port, from the one server thread, with a bounded amount of work per second whatever arrives.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "discovery_wire.hpp"
#include "log.hpp"

namespace chat {

class discovery_responder {
public:
    struct config {
        // Where to read queries: by default both wildcards on discovery::default_port.
        std::vector<asio::ip::udp::endpoint> at;
        discovery::answer self;  // name, TCP port, version, instance, fingerprint; id is per query
        // Datagrams read per second, all sockets together; past it the sockets are not read until
        // the second is over (the kernel's receive buffer takes the rest, then drops it).
        std::size_t reads_per_second = 256;
        std::size_t answers_per_second = 64;  // all sources together
        std::size_t answers_per_source = 8;   // to one address, per second
    };
    // What was read and what became of it, for the log and the tests.
    struct counters {
        std::uint64_t received = 0;
        std::uint64_t answered = 0;
        std::uint64_t too_short = 0;
        std::uint64_t too_long = 0;
        std::uint64_t garbage = 0;
        std::uint64_t bad_source = 0;    // a source no answer may go to (port < 1024, multicast, ...)
        std::uint64_t over_budget = 0;   // valid queries past the answer budget
        std::uint64_t send_failed = 0;
        std::uint64_t paused = 0;        // seconds in which reading stopped at reads_per_second
    };

    discovery_responder(asio::io_context& io, config cfg, const logger& log);
    ~discovery_responder();
    discovery_responder(const discovery_responder&) = delete;
    discovery_responder& operator=(const discovery_responder&) = delete;

    // Binds every address of config.at that can be bound and starts reading; logs what it could
    // not bind. Returns false (after one log line) if none could be.
    bool start();
    void stop();

    // The UDP port actually bound (config.at may ask for 0), 0 before start.
    std::uint16_t port() const { return port_; }
    const counters& stats() const { return stats_; }

    // Whether an answer may be sent to `to`: never to a privileged or our own port (reflection
    // into another service, or between two responders), nor to a source no host can have.
    static bool answerable(const asio::ip::udp::endpoint& to, std::uint16_t own_port);

private:
    using clock = std::chrono::steady_clock;
    asio::awaitable<void> read_loop(std::shared_ptr<asio::ip::udp::socket> socket);
    void roll_window(clock::time_point now);
    void handle(std::string_view datagram, const asio::ip::udp::endpoint& from, asio::ip::udp::socket& s);
    void log_ignored();

    asio::io_context& io_;
    config cfg_;
    const logger& log_;
    std::vector<std::shared_ptr<asio::ip::udp::socket>> sockets_;
    std::vector<std::shared_ptr<asio::steady_timer>> timers_;  // a paused read loop's
    std::uint16_t port_ = 0;
    counters stats_;
    counters logged_;  // stats_ as of the last summary line
    clock::time_point window_start_{};
    clock::time_point last_summary_{};
    std::size_t reads_in_window_ = 0;
    std::size_t answers_in_window_ = 0;
    std::map<asio::ip::address, std::size_t> per_source_;  // at most answers_per_second entries
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace chat
