#include "discover.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "discovery_wire.hpp"
#include "protocol.hpp"

namespace chat::client {

namespace {

using clock = std::chrono::steady_clock;
namespace dw = chat::discovery;

// When the query goes out again within the window: UDP may lose any one of them.
constexpr std::chrono::milliseconds resend_at[] = {std::chrono::milliseconds(0), std::chrono::milliseconds(250),
                                                   std::chrono::milliseconds(600)};

class udp_socket {
public:
    explicit udp_socket(int family) {
        fd_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd_ < 0) return;
        const int one = 1;
        if (family == AF_INET) {
            ::setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
        } else {
            ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
            const int hops = 1;  // link-local all-nodes: never routed anyway
            ::setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
        }
    }
    ~udp_socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    udp_socket(const udp_socket&) = delete;
    udp_socket& operator=(const udp_socket&) = delete;
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

struct target {
    sockaddr_storage addr{};
    socklen_t len = 0;
};

target v4_target(in_addr a, std::uint16_t port) {
    target t;
    auto* sin = reinterpret_cast<sockaddr_in*>(&t.addr);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr = a;
    t.len = sizeof(sockaddr_in);
    return t;
}

target v6_target(const in6_addr& a, unsigned scope, std::uint16_t port) {
    target t;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = a;
    sin6->sin6_scope_id = scope;
    t.len = sizeof(sockaddr_in6);
    return t;
}

// Every up interface's IPv4 broadcast address, ff02::1 on every up multicast IPv6 interface, and
// the loopback addresses (a server on this machine).
void targets(std::uint16_t port, std::vector<target>& v4, std::vector<target>& v6) {
    in_addr lo4{};
    lo4.s_addr = htonl(INADDR_LOOPBACK);
    v4.push_back(v4_target(lo4, port));
    v6.push_back(v6_target(in6addr_loopback, 0, port));
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return;
    std::set<std::uint32_t> seen4;
    std::set<unsigned> seen6;
    in6_addr all_nodes{};
    ::inet_pton(AF_INET6, "ff02::1", &all_nodes);
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0) continue;
        if (i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_BROADCAST) != 0 && i->ifa_broadaddr != nullptr) {
            const in_addr b = reinterpret_cast<const sockaddr_in*>(i->ifa_broadaddr)->sin_addr;
            if (b.s_addr != 0 && seen4.insert(b.s_addr).second) v4.push_back(v4_target(b, port));
        } else if (i->ifa_addr->sa_family == AF_INET6 && (i->ifa_flags & IFF_MULTICAST) != 0) {
            const unsigned index = ::if_nametoindex(i->ifa_name);
            if (index != 0 && seen6.insert(index).second) v6.push_back(v6_target(all_nodes, index, port));
        }
    }
    ::freeifaddrs(list);
}

// The source of an answer as a host to connect to, and how good an address it is.
bool source_host(const sockaddr_storage& from, std::string& host, int& rank) {
    char text[INET6_ADDRSTRLEN] = {};
    if (from.ss_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(&from);
        if (::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text) == nullptr) return false;
        host = text;
        const std::uint32_t a = ntohl(sin->sin_addr.s_addr);
        if (a == 0 || a == INADDR_BROADCAST || (a >> 28) == 0xE) return false;  // no host has these
        rank = (a >> 24) == 127 ? 4 : 0;
        return true;
    }
    if (from.ss_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&from);
        const in6_addr& a = sin6->sin6_addr;
        if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_MULTICAST(&a)) return false;
        if (::inet_ntop(AF_INET6, &a, text, sizeof text) == nullptr) return false;
        host = text;
        if (IN6_IS_ADDR_LINKLOCAL(&a)) {
            char name[IF_NAMESIZE] = {};
            if (sin6->sin6_scope_id == 0 || ::if_indextoname(sin6->sin6_scope_id, name) == nullptr) return false;
            host += std::string("%") + name;
            rank = 2;
        } else {
            rank = IN6_IS_ADDR_LOOPBACK(&a) ? 5 : 1;
        }
        return true;
    }
    return false;
}

}  // namespace

discover_result discover(const discover_config& cfg) {
    discover_result out;
    const std::string id = dw::random_id();
    const std::string query = dw::encode_query(id);
    udp_socket s4(AF_INET);
    udp_socket s6(AF_INET6);
    std::vector<target> t4;
    std::vector<target> t6;
    targets(cfg.port, t4, t6);

    // One entry per server run; a server reached at several addresses keeps its best one.
    std::map<std::string, found_server> by_instance;
    std::set<std::string> over;
    auto send_all = [&] {
        for (const auto& [sock, list] : {std::pair{&s4, &t4}, std::pair{&s6, &t6}}) {
            if (sock->fd() < 0) continue;
            for (const target& t : *list) {
                if (::sendto(sock->fd(), query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&t.addr),
                             t.len) == static_cast<ssize_t>(query.size())) {
                    ++out.sent;
                }
            }
        }
    };
    auto receive = [&](int fd) {
        char buf[dw::max_datagram + 1];
        for (;;) {
            sockaddr_storage from{};
            socklen_t len = sizeof from;
            const ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n < 0) return;  // EAGAIN, or an ICMP error for a query nobody took: nothing to read
            auto a = dw::parse_answer(std::string_view(buf, static_cast<std::size_t>(n)), id);
            found_server f;
            if (!a || !source_host(from, f.host, f.rank)) continue;
            f.name = std::move(a->name);
            f.port = a->port;
            f.fingerprint = std::move(a->fingerprint);
            f.instance = std::move(a->instance);
            // A server without an instance is told apart by where it answered from.
            const std::string key = f.instance.empty() ? f.host + "/" + std::to_string(f.port) : f.instance;
            const auto it = by_instance.find(key);
            if (it != by_instance.end()) {
                if (f.rank < it->second.rank) it->second = std::move(f);
            } else if (by_instance.size() < cfg.max_servers) {
                by_instance.emplace(key, std::move(f));
            } else {
                over.insert(key);
            }
        }
    };

    const auto start = clock::now();
    const auto end = start + cfg.window;
    std::size_t next_send = 0;
    for (;;) {
        const auto now = clock::now();
        if (now >= end) break;
        while (next_send < std::size(resend_at) && now >= start + resend_at[next_send]) {
            send_all();
            ++next_send;
        }
        auto wake = end;
        if (next_send < std::size(resend_at)) wake = std::min(wake, start + resend_at[next_send]);
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
        pollfd fds[3] = {{s4.fd(), POLLIN, 0}, {s6.fd(), POLLIN, 0}, {cfg.signal_fd, POLLIN, 0}};
        const int n = ::poll(fds, 3, static_cast<int>(std::max<long long>(ms, 0)));
        if (n < 0) continue;
        if ((fds[2].revents & POLLIN) != 0) {
            out.interrupted = true;
            break;
        }
        if ((fds[0].revents & POLLIN) != 0) receive(s4.fd());
        if ((fds[1].revents & POLLIN) != 0) receive(s6.fd());
    }
    for (auto& [key, f] : by_instance) out.servers.push_back(std::move(f));
    std::sort(out.servers.begin(), out.servers.end(), [](const found_server& a, const found_server& b) {
        return std::tie(a.name, a.rank, a.host, a.port) < std::tie(b.name, b.rank, b.host, b.port);
    });
    out.not_listed = over.size();
    return out;
}

std::string address_of(const found_server& s) {
    const bool v6 = s.host.find(':') != std::string::npos;
    return (v6 ? "[" + s.host + "]" : s.host) + ":" + std::to_string(s.port);
}

std::string list_line(const found_server& s) {
    return s.name + "\t" + s.host + "\t" + std::to_string(s.port) + "\t" + (s.fingerprint.empty() ? "-" : s.fingerprint);
}

pin_check announced_pin(const known_servers& known, const found_server& s) {
    if (s.fingerprint.empty()) return {};
    return check_pin(known, server_key(s.host, s.port), s.fingerprint);
}

std::string announced_mismatch_message(const found_server& s, const known_server& pinned, const std::string& path) {
    return "\"" + s.name + "\" at " + address_of(s) + " announces the key " + s.fingerprint + ", but line " +
           std::to_string(pinned.line) + " of " + path + " pins " + pinned.fingerprint +
           " for it; chat does not connect to it while that line stands. Another machine may be answering in its "
           "place, or its key changed: check with its operator (chatd --fingerprint), and if the change is "
           "expected, remove that line.";
}

std::string nick_from(std::string_view login, const limits& lim) {
    std::string nick;
    for (const char c : login) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '-' || c == '.';
        nick += ok ? c : '_';
    }
    while (!nick.empty() && (nick.front() == '-' || nick.front() == '.')) nick.erase(0, 1);
    if (nick.size() > lim.max_nick) nick.resize(lim.max_nick);
    if (nick.empty() || std::all_of(nick.begin(), nick.end(), [](char c) { return c == '_'; })) nick = "guest";
    if (check_nick(nick, lim)) {
        // Reserved ("admin", say): one more character, within the length.
        if (nick.size() >= lim.max_nick) nick.resize(lim.max_nick - 1);
        nick += '_';
    }
    if (check_nick(nick, lim)) nick = "guest";
    return nick;
}

std::string login_nick(const limits& lim, std::string& note) {
    std::string login;
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) login = pw->pw_name;
    if (login.empty()) {
        if (const char* user = std::getenv("USER")) login = user;
    }
    const std::string nick = nick_from(login, lim);
    if (login.empty()) {
        note = "no nick given and no login name; using \"" + nick + "\" (choose one with --nick NICK)";
    } else if (nick != login) {
        note = "no nick given; using \"" + nick + "\", your login name made valid (choose one with --nick NICK)";
    } else {
        note = "no nick given; using your login name \"" + nick + "\" (choose one with --nick NICK)";
    }
    return nick;
}

}  // namespace chat::client
