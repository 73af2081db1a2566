#include "options.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cli.hpp"

namespace bench {
namespace {

using flag = chat::cli::flag<options>;
using result = std::optional<std::string>;

// A number from `lo` to `hi` into `field` (int fields take whole numbers).
template <class T>
chat::cli::setter<options> number(T options::*field, double lo, double hi) {
    return [=](options& o, std::string_view v) -> result {
        const auto d = chat::cli::to_number(v);
        const bool whole = std::is_integral_v<T>;
        if (!d || *d < lo || *d > hi || (whole && *d != static_cast<double>(static_cast<long long>(*d)))) {
            char range[96];
            std::snprintf(range, sizeof range, "expects %s from %g to %g", whole ? "a whole number" : "a number", lo, hi);
            return std::string(range);
        }
        o.*field = static_cast<T>(*d);
        return std::nullopt;
    };
}

chat::cli::setter<options> text(std::string options::*field) {
    return [=](options& o, std::string_view v) -> result {
        o.*field = v;
        return std::nullopt;
    };
}

const std::vector<flag>& flags() {
    static const std::vector<flag> table = {
        {"--proto", "chatd|irc", "protocol of the server (default chatd)",
         [](options& o, std::string_view v) -> result {
             if (v == "chatd") o.proto = protocol::chatd;
             else if (v == "irc") o.proto = protocol::irc;
             else return "is chatd or irc";
             return std::nullopt;
         }},
        {"--host", "ADDR", "loopback address of the server (default 127.0.0.1)", text(&options::host)},
        {"--port", "N", "server port (default 7667)", number(&options::port, 1, 65535)},
        {"--tls", nullptr, "speak TLS 1.3 (any server certificate is accepted; no client certificate)",
         [](options& o, std::string_view) -> result {
             o.tls = true;
             return std::nullopt;
         }},
        {"--tls-record", "BYTES", "most plaintext per TLS record a client writes, 64..16384 (default 2048)",
         number(&options::tls_record, 64, 16384)},
        {"--tls-ciphers", "LIST", "TLS 1.3 suites to offer, e.g. TLS_AES_128_GCM_SHA256 (default: OpenSSL's)",
         text(&options::tls_ciphers)},
        {"--workload", "KIND", "fanout|idle|storm|handshake (default fanout)",
         [](options& o, std::string_view v) -> result {
             if (v == "fanout") o.kind = workload::fanout;
             else if (v == "idle") o.kind = workload::idle;
             else if (v == "storm") o.kind = workload::storm;
             else if (v == "handshake") o.kind = workload::handshake;
             else return "is fanout, idle, storm or handshake";
             return std::nullopt;
         }},
        {"--clients", "N",
         "clients in the room (fanout N, idle C, storm: paced clients;\nhandshake: connections, each closed once its TLS handshake is done; default 100)",
         number(&options::clients, 1, 100000)},
        {"--storm", "C", "storm: clients that connect and join while the paced ones talk (default 2000)",
         number(&options::storm, 1, 100000)},
        {"--senders", "S", "clients that send (default 10)", number(&options::senders, 1, 100000)},
        {"--messages", "M", "messages per sender (default 1000)", number(&options::messages, 1, 1e8)},
        {"--size", "BYTES", "message text size, >= 40 (default 100)", number(&options::size, 40, 4000)},
        {"--rate", "R", "messages/s per sender, 0 = flat out (default 0; storm needs R > 0)", number(&options::rate, 0, 1e6)},
        {"--window", "W", "at most W messages of a sender in flight, 0 = no bound (default 0)",
         number(&options::window, 0, 1e8)},
        {"--connect-concurrency", "K", "connections in set-up at once (default 8)",
         number(&options::connect_concurrency, 1, 100000)},
        {"--setup-timeout", "SECS", "bound on connecting+registering+joining (default 120)",
         number(&options::setup_timeout, 0.1, 86400)},
        {"--timeout", "SECS", "bound on the measured phase (default 120)", number(&options::timeout, 0.1, 86400)},
        {"--settle", "SECS", "silence that ends set-up (default 0.3)", number(&options::settle, 0, 60)},
        {"--server-pid", "PID", "read the server's CPU and memory from /proc/PID", number(&options::server_pid, 1, 1e9)},
        {"--room", "NAME", "room/channel (default: a fresh name per run)", text(&options::room)},
        {"--label", "TEXT", "copied into the JSON result", text(&options::label)},
        {"--help", nullptr, "this text", [](options&, std::string_view) -> result { return std::nullopt; }, "-h"},
    };
    return table;
}

bool is_loopback(const std::string& host) {
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

}  // namespace

const char* to_string(protocol p) { return p == protocol::chatd ? "chatd" : "irc"; }
const char* to_string(workload w) {
    switch (w) {
    case workload::fanout: return "fanout";
    case workload::idle: return "idle";
    case workload::storm: return "storm";
    case workload::handshake: return "handshake";
    }
    return "?";
}

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
    options o;
    exit_code = 2;
    const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    for (const std::string& a : args) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") {
            const std::string usage = "usage: chat-bench [options]\n" + chat::cli::describe(flags(), 27) +
                                      "Prints a summary on stderr and one JSON object on stdout.\n";
            std::fputs(usage.c_str(), stdout);
            exit_code = 0;
            return std::nullopt;
        }
    }
    if (const auto bad = chat::cli::parse(flags(), args, o)) {
        std::fprintf(stderr, "chat-bench: %s; see --help\n", bad->text.c_str());
        return std::nullopt;
    }
    if (!is_loopback(o.host)) {
        std::fprintf(stderr, "chat-bench: only loopback targets are allowed, not %s\n", o.host.c_str());
        return std::nullopt;
    }
    if (o.kind == workload::fanout && (o.senders > o.clients || o.clients < 2)) {
        std::fprintf(stderr, "chat-bench: fanout needs 2 <= clients and senders <= clients\n");
        return std::nullopt;
    }
    if (o.kind == workload::storm && (o.clients < 2 || o.rate <= 0)) {
        std::fprintf(stderr, "chat-bench: storm needs 2 <= clients (the paced ones) and --rate > 0\n");
        return std::nullopt;
    }
    if (o.kind == workload::handshake && !o.tls) {
        std::fprintf(stderr, "chat-bench: the handshake workload needs --tls\n");
        return std::nullopt;
    }
    exit_code = 0;
    return o;
}

}  // namespace bench
