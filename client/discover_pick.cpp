#include "discover_pick.hpp"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "discover.hpp"
#include "known_servers.hpp"
#include "protocol.hpp"
#include "signals.hpp"
#include "terminal.hpp"
#include "utf8.hpp"

namespace chat::client {

namespace {

constexpr int interrupted_status = 130;

discover_result ask_lan(const options& o, int signal_fd) {
    discover_config cfg;
    cfg.port = o.discovery_port;
    cfg.signal_fd = signal_fd;
    return discover(cfg);
}

void say_nothing_found(const discover_result& r) {
    if (r.sent == 0) {
        std::fputs("chat: no network interface to ask on; connect with chat HOST [NICK]\n", stderr);
    } else {
        std::fputs("chat: discovery found no server on this network (none answered within 1 s); "
                   "connect with chat HOST [NICK]\n",
                   stderr);
    }
}

// The user's pins, to hold each announced key against; unreadable is said once and taken as none
// (the TLS handshake checks the file again, and refuses if it cannot).
struct pins {
    std::string path;
    known_servers known;
};

pins read_pins() {
    pins p;
    const std::string dir = data_dir();
    if (dir.empty()) return p;
    p.path = dir + "/known_servers";
    std::string error;
    if (!read_known_servers(p.path, p.known, error)) {
        std::fprintf(stderr, "chat: %s\n", utf8::sanitize(error).c_str());
    }
    return p;
}

const known_server* disagreeing_pin(const pins& p, const found_server& s) {
    const pin_check c = announced_pin(p.known, s);
    return c.what == pin_check::verdict::changed ? c.pinned : nullptr;
}

void print_list(const discover_result& r, const pins& p, std::FILE* to, const char* indent) {
    for (const auto& s : r.servers) std::fprintf(to, "%s%s\n", indent, list_line(s).c_str());
    // The list's own lines keep their format for scripts; a key that disagrees with a pin is said
    // beside them, on stderr.
    for (const auto& s : r.servers) {
        if (const known_server* pinned = disagreeing_pin(p, s)) {
            std::fprintf(stderr, "chat: %s\n", announced_mismatch_message(s, *pinned, p.path).c_str());
        }
    }
    if (r.not_listed > 0) std::fprintf(stderr, "chat: %zu more servers answered and are not listed\n", r.not_listed);
}

// The full-screen pick list; nullopt when the user quits it.
// The server picked, or none: `interrupted` when that was Ctrl-C or a signal (status 130, as
// while the LAN is asked), not q or Esc.
std::optional<found_server> pick(const discover_result& r, const pins& p, int signal_fd, bool& interrupted) {
    interrupted = false;
    terminal t;
    if (!t.open()) return std::nullopt;
    std::size_t at = 0;
    std::optional<found_server> chosen;
    bool done = false;
    while (!done) {
        t.erase();
        const int cols = t.cols();
        t.put(0, 0, std::to_string(r.servers.size()) + " chat servers answered on this network: pick one", style::title,
              cols);
        t.put(1, 0, "Up/Down and Enter, or its number; q or Esc quits", style::dim, cols);
        const int rows = t.rows();
        const int first = 3;
        const std::size_t visible = rows > first ? static_cast<std::size_t>(rows - first) : 1;
        const std::size_t top = at >= visible ? at - visible + 1 : 0;
        std::size_t name_cols = 0;
        for (const auto& s : r.servers) name_cols = std::max(name_cols, utf8::display_width(s.name));
        for (std::size_t i = top; i < r.servers.size() && i < top + visible; ++i) {
            const auto& s = r.servers[i];
            const int y = first + static_cast<int>(i - top);
            const style st = i == at ? style::status_hl : style::normal;
            if (i == at) t.fill(y, 0, cols, st);
            std::string line = (i < 9 ? std::to_string(i + 1) + ". " : "   ") + s.name;
            line.append(name_cols - utf8::display_width(s.name) + 3, ' ');
            line += address_of(s);
            if (!s.fingerprint.empty()) line += "   " + s.fingerprint;
            if (disagreeing_pin(p, s) != nullptr) line += "   NOT THE KEY YOU PINNED";
            t.put(y, 0, line, st, cols);
        }
        t.place_cursor(first + static_cast<int>(at - top), 0);
        t.refresh();
        pollfd fds[2] = {{0, POLLIN, 0}, {signal_fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) continue;
        if ((fds[1].revents & POLLIN) != 0) {
            bool resized = false;
            if (drain_signals(signal_fd, resized)) {
                interrupted = true;
                break;
            }
            if (resized) t.resize();
        }
        if ((fds[0].revents & (POLLHUP | POLLERR)) != 0 && (fds[0].revents & POLLIN) == 0) break;
        key k;
        while (!done && t.read_key(k)) {
            using kt = key::type;
            if (k.what == kt::up && at > 0) --at;
            if (k.what == kt::down && at + 1 < r.servers.size()) ++at;
            if (k.what == kt::home) at = 0;
            if (k.what == kt::end) at = r.servers.size() - 1;
            if (k.what == kt::resize) t.resize();
            if (k.what == kt::enter) {
                chosen = r.servers[at];
                done = true;
            }
            if (k.what == kt::character && k.cp >= U'1' && k.cp <= U'9' &&
                static_cast<std::size_t>(k.cp - U'1') < r.servers.size()) {
                chosen = r.servers[k.cp - U'1'];
                done = true;
            }
            const bool quit_key = (k.what == kt::character && (k.cp == U'q' || k.cp == 0x1b)) ||
                                  (k.what == kt::ctrl && k.cp == U'd');
            if (quit_key) done = true;
            if (k.what == kt::ctrl && k.cp == U'c') interrupted = done = true;
        }
    }
    t.close();
    return chosen;
}

}  // namespace

int choose_server(options& o, bool plain, int signal_fd, std::string& note) {
    const discover_result r = ask_lan(o, signal_fd);
    if (r.interrupted) return interrupted_status;
    if (r.servers.empty()) {
        say_nothing_found(r);
        return 1;
    }
    const pins p = read_pins();
    std::optional<found_server> chosen;
    if (!o.server_name.empty()) {
        for (const auto& s : r.servers) {
            if (!chosen && fold(s.name) == fold(o.server_name)) chosen = s;
        }
        if (!chosen) {
            std::fprintf(stderr, "chat: no server named \"%s\" answered; these did:\n",
                         utf8::sanitize(o.server_name).c_str());
            print_list(r, p, stderr, "  ");
            return 1;
        }
    } else if (r.servers.size() == 1) {
        chosen = r.servers.front();
    } else if (plain) {
        std::fprintf(stderr, "chat: %zu servers answered on this network; pick one with --server NAME:\n",
                     r.servers.size());
        print_list(r, p, stderr, "  ");
        return 2;
    } else {
        bool interrupted = false;
        chosen = pick(r, p, signal_fd, interrupted);
        if (interrupted) return interrupted_status;
        if (!chosen) return 1;
    }
    if (const known_server* pinned = disagreeing_pin(p, *chosen)) {
        std::fprintf(stderr, "chat: %s\n", announced_mismatch_message(*chosen, *pinned, p.path).c_str());
        return 1;
    }
    o.host = chosen->host;
    o.port = chosen->port;
    note = "found \"" + chosen->name + "\" at " + address_of(*chosen) + " on this network";
    std::fprintf(stderr, "chat: %s\n", note.c_str());
    return -1;
}

int list_servers(const options& o, int signal_fd) {
    const discover_result r = ask_lan(o, signal_fd);
    if (r.interrupted) return interrupted_status;
    if (r.servers.empty()) {
        say_nothing_found(r);
        return 1;
    }
    print_list(r, read_pins(), stdout, "");
    std::fflush(stdout);
    return 0;
}

}  // namespace chat::client
