#include "options.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace bench {
namespace {

const char* usage =
    "usage: chat-bench [options]\n"
    "  --proto chatd|irc        protocol of the server (default chatd)\n"
    "  --host ADDR              loopback address of the server (default 127.0.0.1)\n"
    "  --port N                 server port (default 7667)\n"
    "  --tls                    speak TLS 1.3 (any server certificate is accepted; no client certificate)\n"
    "  --tls-record BYTES       most plaintext per TLS record a client writes, 64..16384 (default 2048)\n"
    "  --tls-ciphers LIST       TLS 1.3 suites to offer, e.g. TLS_AES_128_GCM_SHA256 (default: OpenSSL's)\n"
    "  --workload fanout|idle|storm|handshake (default fanout)\n"
    "  --clients N              clients in the room (fanout N, idle C, storm: paced clients;\n"
    "                           handshake: connections, each closed once its TLS handshake is done; default 100)\n"
    "  --storm C                storm: clients that connect and join while the paced ones talk (default 2000)\n"
    "  --senders S              clients that send (default 10)\n"
    "  --messages M             messages per sender (default 1000)\n"
    "  --size BYTES             message text size, >= 40 (default 100)\n"
    "  --rate R                 messages/s per sender, 0 = flat out (default 0; storm needs R > 0)\n"
    "  --window W               at most W messages of a sender in flight, 0 = no bound (default 0)\n"
    "  --connect-concurrency K  connections in set-up at once (default 8)\n"
    "  --setup-timeout SECS     bound on connecting+registering+joining (default 120)\n"
    "  --timeout SECS           bound on the measured phase (default 120)\n"
    "  --settle SECS            silence that ends set-up (default 0.3)\n"
    "  --server-pid PID         read the server's CPU and memory from /proc/PID\n"
    "  --room NAME              room/channel (default: a fresh name per run)\n"
    "  --label TEXT             copied into the JSON result\n"
    "Prints a summary on stderr and one JSON object on stdout.\n";

bool is_loopback(const std::string& host) {
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

bool to_number(const char* s, double lo, double hi, double& out) {
    char* end = nullptr;
    const double v = std::strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= lo && v <= hi)) return false;
    out = v;
    return true;
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
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--tls") {
            o.tls = true;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "chat-bench: %s needs a value (or is unknown); see --help\n", argv[i]);
            return std::nullopt;
        }
        const char* val = argv[++i];
        double num = 0;
        auto number = [&](double lo, double hi) {
            if (to_number(val, lo, hi, num)) return true;
            std::fprintf(stderr, "chat-bench: bad value for %s: %s\n", argv[i - 1], val);
            return false;
        };
        if (arg == "--proto") {
            if (std::string_view(val) == "chatd") o.proto = protocol::chatd;
            else if (std::string_view(val) == "irc") o.proto = protocol::irc;
            else return std::fprintf(stderr, "chat-bench: --proto is chatd or irc\n"), std::nullopt;
        } else if (arg == "--workload") {
            if (std::string_view(val) == "fanout") o.kind = workload::fanout;
            else if (std::string_view(val) == "idle") o.kind = workload::idle;
            else if (std::string_view(val) == "storm") o.kind = workload::storm;
            else if (std::string_view(val) == "handshake") o.kind = workload::handshake;
            else return std::fprintf(stderr, "chat-bench: --workload is fanout, idle, storm or handshake\n"), std::nullopt;
        } else if (arg == "--host") {
            o.host = val;
        } else if (arg == "--room") {
            o.room = val;
        } else if (arg == "--label") {
            o.label = val;
        } else if (arg == "--port") {
            if (!number(1, 65535)) return std::nullopt;
            o.port = static_cast<std::uint16_t>(num);
        } else if (arg == "--tls-ciphers") {
            o.tls_ciphers = val;
        } else if (arg == "--tls-record") {
            if (!number(64, 16384)) return std::nullopt;
            o.tls_record = static_cast<int>(num);
        } else if (arg == "--clients") {
            if (!number(1, 100000)) return std::nullopt;
            o.clients = static_cast<int>(num);
        } else if (arg == "--storm") {
            if (!number(1, 100000)) return std::nullopt;
            o.storm = static_cast<int>(num);
        } else if (arg == "--senders") {
            if (!number(1, 100000)) return std::nullopt;
            o.senders = static_cast<int>(num);
        } else if (arg == "--messages") {
            if (!number(1, 1e8)) return std::nullopt;
            o.messages = static_cast<int>(num);
        } else if (arg == "--size") {
            if (!number(40, 4000)) return std::nullopt;
            o.size = static_cast<int>(num);
        } else if (arg == "--rate") {
            if (!number(0, 1e6)) return std::nullopt;
            o.rate = num;
        } else if (arg == "--window") {
            if (!number(0, 1e8)) return std::nullopt;
            o.window = static_cast<int>(num);
        } else if (arg == "--connect-concurrency") {
            if (!number(1, 100000)) return std::nullopt;
            o.connect_concurrency = static_cast<int>(num);
        } else if (arg == "--setup-timeout") {
            if (!number(0.1, 86400)) return std::nullopt;
            o.setup_timeout = num;
        } else if (arg == "--timeout") {
            if (!number(0.1, 86400)) return std::nullopt;
            o.timeout = num;
        } else if (arg == "--settle") {
            if (!number(0, 60)) return std::nullopt;
            o.settle = num;
        } else if (arg == "--server-pid") {
            if (!number(1, 1e9)) return std::nullopt;
            o.server_pid = static_cast<int>(num);
        } else {
            std::fprintf(stderr, "chat-bench: unknown option %s; see --help\n", argv[i - 1]);
            return std::nullopt;
        }
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
