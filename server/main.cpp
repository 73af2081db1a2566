// chatd: parses flags, starts the server, prints where it listens, and stops on SIGINT/SIGTERM.
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "discovery_announce.hpp"
#include "identity.hpp"
#include "nicks_command.hpp"
#include "server.hpp"
#include "store_sqlite.hpp"

namespace {

using asio::ip::tcp;

// Non-loopback addresses of this machine's interfaces (IPv4 first), for the "connect with" hint.
std::vector<std::string> lan_addresses(bool want_v4, bool want_v6) {
    std::vector<std::string> v4;
    std::vector<std::string> v6;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return {};
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr) continue;
        if (i->ifa_addr->sa_family == AF_INET && want_v4) {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
            asio::ip::address_v4::bytes_type b;
            std::memcpy(b.data(), &sin->sin_addr, 4);
            const asio::ip::address_v4 a(b);
            if (!a.is_loopback()) v4.push_back(a.to_string());
        } else if (i->ifa_addr->sa_family == AF_INET6 && want_v6) {
            const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
            asio::ip::address_v6::bytes_type b;
            std::memcpy(b.data(), &sin6->sin6_addr, 16);
            const asio::ip::address_v6 a(b);
            // Link-local addresses need an interface suffix a user would not know to type.
            if (!a.is_loopback() && !a.is_link_local() && !a.is_v4_mapped()) v6.push_back(a.to_string());
        }
    }
    freeifaddrs(list);
    std::set<std::string> seen;
    std::vector<std::string> out;
    for (auto& a : v4)
        if (seen.insert(a).second) out.push_back(a);
    for (auto& a : v6)
        if (seen.insert(a).second) out.push_back(a);
    return out;
}

// `discoverable`: chatd answers discovery, so `chat` alone finds it. `fingerprint`: the server key.
void print_hint(const std::vector<tcp::endpoint>& eps, bool discoverable, const std::string& fingerprint) {
    std::vector<std::string> hosts;
    bool any_v4 = false;
    bool any_v6 = false;
    for (const auto& ep : eps) {
        const auto a = ep.address();
        if (a.is_unspecified()) {
            any_v4 = true;
            any_v6 = any_v6 || a.is_v6();
        } else {
            hosts.push_back(a.to_string());
        }
    }
    if (any_v4 || any_v6) {
        for (auto& h : lan_addresses(true, any_v6)) hosts.push_back(h);
        if (hosts.empty()) hosts.push_back("127.0.0.1");
    }
    const std::uint16_t port = eps.empty() ? chat::default_port : eps.front().port();
    std::string text = std::string("chatd ") + CHAT_VERSION + " ready. From another machine on this LAN connect with:\n";
    if (discoverable) text += "  chat                 (finds this server by itself), or\n";
    for (const auto& h : hosts) {
        const bool v6 = h.find(':') != std::string::npos;
        std::string where = h;
        if (port != chat::default_port) where = (v6 ? "[" + h + "]" : h) + ":" + std::to_string(port);
        text += "  chat " + where + " <nick>";
        if (!fingerprint.empty()) text += "   (server key " + fingerprint + ")";
        text += "\n";
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    // `chatd nicks ...`: the operator's subcommand on a stopped chatd's state directory.
    if (argc >= 2 && std::strcmp(argv[1], "nicks") == 0) {
        std::string out;
        std::string err;
        const int status = chat::run_nicks_command(std::vector<std::string>(argv + 2, argv + argc), out, err);
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fwrite(err.data(), 1, err.size(), stderr);
        return status;
    }
    auto parsed = chat::parse_options(argc, argv);
    if (!parsed.value) {
        if (parsed.exit_status == 0) {
            std::fwrite(parsed.text.data(), 1, parsed.text.size(), stdout);
        } else {
            std::fprintf(stderr, "%s\n", parsed.text.c_str());
        }
        return parsed.exit_status;
    }
    std::signal(SIGPIPE, SIG_IGN);

    // A file-size limit (RLIMIT_FSIZE) must show as a failing write the store reports, not kill chatd.
    std::signal(SIGXFSZ, SIG_IGN);

    if (parsed.value->print_fingerprint) {
        const std::string dir = parsed.value->state_dir.empty() ? chat::default_state_dir() : parsed.value->state_dir;
        auto id = chat::tls::load_identity(dir + "/server.pem", "chatd");
        if (!id.value) {
            std::fprintf(stderr, "chatd: %s\n", id.error.c_str());
            return 1;
        }
        std::printf("%s\n", id.value->fingerprint.c_str());
        return 0;
    }

    asio::io_context io(1);
    std::optional<chat::server> srv_holder;
    try {
        srv_holder.emplace(io, *parsed.value);
        srv_holder->start();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chatd: %s\n", e.what());
        return 1;
    }
    chat::server& srv = *srv_holder;
    std::vector<tcp::endpoint> tls_eps;
    for (const auto& b : srv.listening()) {
        // The main port first: scripts read the first "listening on" line for it.
        if (b.tls || srv.fingerprint().empty()) {
            std::printf("listening on %s\n", chat::to_string(b.at).c_str());
            tls_eps.push_back(b.at);
        }
    }
    for (const auto& b : srv.listening()) {
        if (!b.tls && !srv.fingerprint().empty()) {
            std::printf("listening on %s (plaintext, no TLS)\n", chat::to_string(b.at).c_str());
        }
    }
    std::fflush(stdout);
    print_hint(tls_eps, parsed.value->announce && parsed.value->binds.empty(), srv.fingerprint());
    srv.log_startup_notes();
    chat::announcer announce(io, *parsed.value, srv.port(), srv.chat().instance(), srv.fingerprint());
    announce.start();

    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            using asio::experimental::as_tuple;
            auto [ec, signo] = co_await signals.async_wait(as_tuple(asio::use_awaitable));
            if (ec) co_return;
            announce.stop();
            srv.stop([&] {
                asio::error_code ignored;
                signals.cancel(ignored);
            });
            auto [again, second] = co_await signals.async_wait(as_tuple(asio::use_awaitable));
            if (!again) {
                // A second signal: the user wants out now, not after the grace period.
                std::fflush(stdout);
                _exit(128 + second);
            }
        },
        asio::detached);
    io.run();
    return 0;
}
