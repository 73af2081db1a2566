#include "discovery.hpp"

#include <array>

#include <asio/experimental/as_tuple.hpp>

namespace chat {

namespace {

using asio::ip::udp;
using asio::experimental::as_tuple;

constexpr auto window = std::chrono::seconds(1);
// The summary of ignored datagrams is logged at most this often, so a flood is a few log lines.
constexpr auto summary_every = std::chrono::seconds(60);

std::string where(const udp::endpoint& ep) {
    const auto a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

asio::ip::address unmapped(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

}  // namespace

discovery_responder::discovery_responder(asio::io_context& io, config cfg, const logger& log)
    : io_(io), cfg_(std::move(cfg)), log_(log) {
    if (cfg_.at.empty()) {
        cfg_.at.emplace_back(asio::ip::address_v4::any(), discovery::default_port);
        cfg_.at.emplace_back(asio::ip::address_v6::any(), discovery::default_port);
    }
}

discovery_responder::~discovery_responder() { stop(); }

bool discovery_responder::answerable(const udp::endpoint& to, std::uint16_t own_port) {
    if (to.port() < 1024 || to.port() == own_port) return false;
    const auto a = unmapped(to.address());
    if (a.is_unspecified() || a.is_multicast()) return false;
    if (a.is_v4() && a.to_v4() == asio::ip::address_v4::broadcast()) return false;
    return true;
}

bool discovery_responder::start() {
    std::uint16_t want = cfg_.at.front().port();
    for (const auto& ep : cfg_.at) {
        auto s = std::make_shared<udp::socket>(io_);
        asio::error_code ec;
        s->open(ep.protocol(), ec);
        if (!ec && ep.address().is_v6()) s->set_option(asio::ip::v6_only(true), ec);
        // Several servers on one machine each get every broadcast (a port nobody holds alone).
        if (!ec) s->set_option(asio::socket_base::reuse_address(true), ec);
        // An ephemeral port asked for on several sockets is the first one's on the others.
        const udp::endpoint at(ep.address(), want);
        if (!ec) s->bind(at, ec);
        if (!ec) s->non_blocking(true, ec);
        if (ec) {
            // No IPv6 on this machine is normal; anything else is worth a line.
            if (ec != asio::error::address_family_not_supported)
                log_.info("discovery: cannot use UDP " + where(at) + ": " + ec.message());
            continue;
        }
        if (want == 0) want = s->local_endpoint(ec).port();
        sockets_.push_back(std::move(s));
    }
    if (sockets_.empty()) {
        log_.info("discovery: not answering (no UDP port); clients connect with chat HOST");
        return false;
    }
    port_ = want;
    window_start_ = last_summary_ = clock::now();
    for (auto& s : sockets_) asio::co_spawn(io_, read_loop(s), asio::detached);
    log_.info("discovery: answering on UDP port " + std::to_string(port_) + " as \"" + logger::field(cfg_.self.name) +
              "\"");
    return true;
}

void discovery_responder::stop() {
    if (!*alive_) return;
    *alive_ = false;
    for (auto& s : sockets_) {
        asio::error_code ec;
        s->close(ec);
    }
    sockets_.clear();
    for (auto& t : timers_) t->cancel();
    timers_.clear();
}

void discovery_responder::roll_window(clock::time_point now) {
    if (now - window_start_ < window) return;
    window_start_ = now;
    reads_in_window_ = 0;
    answers_in_window_ = 0;
    per_source_.clear();
    if (now - last_summary_ >= summary_every) log_ignored();
}

void discovery_responder::log_ignored() {
    const auto d = [&](std::uint64_t counters::*f) { return stats_.*f - logged_.*f; };
    const std::uint64_t ignored = d(&counters::too_short) + d(&counters::too_long) + d(&counters::garbage) +
                                  d(&counters::bad_source) + d(&counters::over_budget);
    if (ignored == 0 && d(&counters::paused) == 0 && d(&counters::send_failed) == 0) return;
    log_.info("discovery: ignored " + std::to_string(ignored) + " datagrams (" + std::to_string(d(&counters::too_short)) +
              " short, " + std::to_string(d(&counters::too_long)) + " oversized, " +
              std::to_string(d(&counters::garbage)) + " not a query, " + std::to_string(d(&counters::bad_source)) +
              " from a source not answered, " + std::to_string(d(&counters::over_budget)) + " over the answer budget), " +
              std::to_string(d(&counters::paused)) + " s paused at " + std::to_string(cfg_.reads_per_second) +
              " datagrams/s, " + std::to_string(d(&counters::send_failed)) + " answers not sent; " +
              std::to_string(d(&counters::answered)) + " answered");
    logged_ = stats_;
    last_summary_ = clock::now();
}

asio::awaitable<void> discovery_responder::read_loop(std::shared_ptr<udp::socket> socket) {
    const auto alive = alive_;
    // One byte more than the longest datagram read, so a longer one is seen as too long.
    std::array<char, discovery::max_datagram + 1> buf{};
    auto pause = std::make_shared<asio::steady_timer>(io_);
    timers_.push_back(pause);
    for (;;) {
        if (!*alive) co_return;
        roll_window(clock::now());
        if (reads_in_window_ >= cfg_.reads_per_second) {
            // The budget is spent: leave the socket unread until the second is over.
            ++stats_.paused;
            pause->expires_at(window_start_ + window);
            co_await pause->async_wait(as_tuple(asio::use_awaitable));  // stop() cancels it
            continue;
        }
        udp::endpoint from;
        auto [ec, n] = co_await socket->async_receive_from(asio::buffer(buf), from, as_tuple(asio::use_awaitable));
        if (!*alive || ec == asio::error::operation_aborted) co_return;
        if (ec) continue;  // an ICMP error from an earlier answer's destination, say: nothing to do
        roll_window(clock::now());
        ++reads_in_window_;
        ++stats_.received;
        handle(std::string_view(buf.data(), n), from, *socket);
    }
}

void discovery_responder::handle(std::string_view datagram, const udp::endpoint& from, udp::socket& s) {
    discovery::answer a = cfg_.self;
    switch (discovery::parse_query(datagram, a.id)) {
        case discovery::verdict::too_short: ++stats_.too_short; return;
        case discovery::verdict::too_long: ++stats_.too_long; return;
        case discovery::verdict::garbage: ++stats_.garbage; return;
        case discovery::verdict::ok: break;
    }
    if (!answerable(from, port_)) {
        ++stats_.bad_source;
        return;
    }
    if (answers_in_window_ >= cfg_.answers_per_second) {
        ++stats_.over_budget;
        return;
    }
    std::size_t& to_source = per_source_[unmapped(from.address())];
    if (to_source >= cfg_.answers_per_source) {
        ++stats_.over_budget;
        return;
    }
    const std::string out = discovery::encode_answer(a);
    // No amplification: never more bytes back than came in.
    if (out.size() > datagram.size()) {
        ++stats_.send_failed;
        return;
    }
    ++to_source;
    ++answers_in_window_;
    asio::error_code ec;
    s.send_to(asio::buffer(out), from, 0, ec);
    if (ec) {
        ++stats_.send_failed;
        return;
    }
    ++stats_.answered;
}

}  // namespace chat
