// chat: a terminal client for chatd. Connects and registers first, then opens the full screen (or
// line mode when not on a terminal), with a network thread feeding the UI thread through a queue.
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "config.hpp"
#include "connection.hpp"
#include "discover.hpp"
#include "discover_pick.hpp"
#include "driver.hpp"
#include "windows.hpp"
#include "event_queue.hpp"
#include "known_servers.hpp"
#include "password_entry.hpp"
#include "model.hpp"
#include "notify.hpp"
#include "chat_options.hpp"
#include "line_mode.hpp"
#include "screen.hpp"
#include "protocol.hpp"
#include "signals.hpp"
#include "terminal.hpp"
#include "update.hpp"
#include "utf8.hpp"

using namespace chat::client;

namespace {

// The first line of `path` (a leading "~/" is $HOME), for hello's password. False with `why` set
// when it cannot be read or holds nothing: chat never connects without the password it was given.
bool read_password(std::string path, std::string& out, std::string& why) {
    const char* home = std::getenv("HOME");
    if (path.starts_with("~/") && home != nullptr) path = std::string(home) + path.substr(1);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = "cannot read the password file " + path + ": " + std::strerror(errno);
        return false;
    }
    std::getline(in, out);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    if (out.empty()) {
        why = "the password file " + path + " holds no password on its first line";
        return false;
    }
    return true;
}

constexpr std::size_t queue_capacity = chat::client_bounds::event_queue;
// Line mode's queue never drops; past this the network thread stops reading (each event holds a
// decoded frame, about 1 KiB: 8192 of them were half of a piping client's memory).
constexpr std::size_t line_mode_queue_capacity = 2048;

// The first-use question on the terminal, before the full screen opens: one keystroke, 'y' trusts.
// Anything else (or no terminal) refuses.
bool ask_first_use(const std::string& where, const std::string& key, const std::string& path) {
    const std::string q = "The server " + where + " is not known yet. Its key is\n    " + key +
                          "\nCompare it with what its operator sees (chatd --fingerprint). It will be remembered in\n    " +
                          path + "\nTrust this server and connect? [y/N] ";
    std::fwrite(q.data(), 1, q.size(), stdout);
    std::fflush(stdout);
    termios saved{};
    if (::tcgetattr(0, &saved) != 0) return false;
    termios raw = saved;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(0, TCSANOW, &raw);
    char c = 0;
    ssize_t n = -1;
    do {
        n = ::read(0, &c, 1);
    } while (n < 0 && errno == EINTR);
    ::tcsetattr(0, TCSANOW, &saved);
    const bool yes = n == 1 && (c == 'y' || c == 'Y');
    std::printf("%s\n", yes ? "yes" : "no");
    std::fflush(stdout);
    return yes;
}

// The password question on the terminal, before the full screen opens (as the first-use question):
// one masked line, a '*' per character. False when Esc or Ctrl-C cancels it, or there is no
// terminal. The password goes only into `out`, never to the screen, a log or a file.
bool ask_password(const std::string& where, bool wrong, std::string& out) {
    const std::string q = wrong ? "Wrong password for " + where + "; try again (Esc cancels): "
                                : "The server " + where + " wants a password (Esc cancels): ";
    std::fwrite(q.data(), 1, q.size(), stdout);
    std::fflush(stdout);
    termios saved{};
    if (::tcgetattr(0, &saved) != 0) return false;
    termios raw = saved;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO | ISIG | IEXTEN));
    raw.c_iflag &= static_cast<tcflag_t>(~(ICRNL | IXON));
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(0, TCSANOW, &raw);
    password_entry entry;
    std::size_t stars = 0;
    while (entry.current() == password_entry::state::typing) {
        unsigned char buf[64];
        ssize_t n = -1;
        do {
            n = ::read(0, buf, sizeof buf);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; ++i) entry.feed(buf[i], i + 1 < n);
        // The stars follow what is typed; nothing typed is ever written.
        std::string echo;
        for (; stars > entry.shown(); --stars) echo += "\b \b";
        for (; stars < entry.shown(); ++stars) echo += '*';
        if (!echo.empty()) {
            std::fwrite(echo.data(), 1, echo.size(), stdout);
            std::fflush(stdout);
        }
    }
    ::tcsetattr(0, TCSANOW, &saved);
    std::printf("\n");
    std::fflush(stdout);
    if (entry.current() != password_entry::state::done) return false;
    wipe_string(out);
    out = entry.take();
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "");
    std::string error;
    auto opts = parse_options(std::vector<std::string>(argv + 1, argv + argc), error);
    if (!opts) {
        std::fprintf(stderr, "chat: %s\n%s", chat::utf8::sanitize(error).c_str(), usage_text());
        return 2;
    }
    const std::string config_path = opts->config_path.empty() ? default_config_path() : opts->config_path;
    if (opts->help) {
        std::fputs(usage_text(), stdout);
        std::printf("\nconfig file: %s\nlogs:        %s\n", chat::utf8::sanitize(config_path).c_str(),
                    chat::utf8::sanitize(default_log_dir()).c_str());
        return 0;
    }
    if (opts->version) {
        std::printf("chat %s\n", CHAT_VERSION);
        return 0;
    }
    if (opts->fingerprint) {
        const std::string home = data_dir();
        auto id = chat::tls::load_identity(home + "/identity", "chat");
        if (home.empty() || !id.value) {
            std::fprintf(stderr, "chat: %s\n", home.empty() ? "neither XDG_DATA_HOME nor HOME is set" : id.error.c_str());
            return 1;
        }
        std::printf("%s\n", id.value->fingerprint.c_str());
        return 0;
    }
    // A broken config file is reported in one line, and chat starts with the defaults.
    settings user;
    std::string config_error;
    if (!load_config(config_path, user, config_error)) {
        config_error = chat::utf8::sanitize(config_error) + " (using the defaults)";
        std::fprintf(stderr, "chat: %s\n", config_error.c_str());
    }
    apply_config(*opts, user);
    if (opts->no_log) user.log = false;
    chat::limits lim;
    if (!opts->nick.empty()) {
        if (auto err = chat::check_nick(opts->nick, lim)) {
            std::fprintf(stderr, "chat: %s\n", chat::utf8::sanitize(err->message).c_str());
            return 2;
        }
    }
    const bool plain = opts->plain || !::isatty(0) || !::isatty(1);
    const int signal_fd = install_signal_pipe();
    if (opts->list) return list_servers(*opts, signal_fd);
    std::vector<std::string> notes;  // what chat chose by itself, shown again once on screen
    if (opts->nick.empty()) {
        notes.emplace_back();
        opts->nick = login_nick(lim, notes.back());
        std::fprintf(stderr, "chat: %s\n", chat::utf8::sanitize(notes.back()).c_str());
    }

    std::string password;
    if (!opts->password_file.empty()) {
        std::string why;
        if (!read_password(opts->password_file, password, why)) {
            std::fprintf(stderr, "chat: %s\n", chat::utf8::sanitize(why).c_str());
            return 2;
        }
    }

    model m;
    m.password = password;
    m.password_from_file = !opts->password_file.empty();
    m.line_mode = plain;
    m.cfg = user;
    m.config_file = config_path;
    m.wanted_nick = opts->nick;
    m.address = (opts->host.find(':') != std::string::npos ? "[" + opts->host + "]" : opts->host) + ":" +
                std::to_string(opts->port);

    if (!plain && !terminal::usable()) {
        const char* term = std::getenv("TERM");
        std::fprintf(stderr, "chat: cannot use this terminal (TERM=%s); try --plain\n",
                     chat::utf8::sanitize(term != nullptr ? term : "").c_str());
        return 1;
    }

    // No host: the LAN is asked (about a second), and the one that answers or is picked is used.
    if (opts->host.empty()) {
        notes.emplace_back();
        if (const int status = choose_server(*opts, plain, signal_fd, notes.back()); status >= 0) return status;
        m.address = (opts->host.find(':') != std::string::npos ? "[" + opts->host + "]" : opts->host) + ":" +
                    std::to_string(opts->port);
    }

    const std::string dir = data_dir();
    if (dir.empty()) {
        std::fprintf(stderr, "chat: neither XDG_DATA_HOME nor HOME is set: nowhere to keep this client's key\n");
        return 1;
    }
    const std::string id_path = dir + "/identity";
    auto id = chat::tls::load_identity(id_path, "chat");
    if (!id.value) {
        std::fprintf(stderr, "chat: %s\n", chat::utf8::sanitize(id.error).c_str());
        return 1;
    }

    connection_config cfg;
    cfg.host = opts->host;
    cfg.port = opts->port;
    cfg.ping_idle = opts->ping_idle;
    cfg.ping_timeout = opts->ping_timeout;
    cfg.backoff_max = opts->backoff_max;
    cfg.register_timeout = std::min<std::chrono::milliseconds>(std::chrono::seconds(10), cfg.ping_idle + cfg.ping_timeout);
    cfg.reconnect = false;  // until the first welcome: a failure at start is reported, not retried
    cfg.identity = std::make_shared<const chat::tls::identity>(std::move(*id.value));
    cfg.known_servers_path = dir + "/known_servers";
    cfg.trust = opts->trust;
    cfg.trust_first_use = opts->trust_first_use;
    auto q = std::make_unique<event_queue>(plain ? line_mode_queue_capacity : queue_capacity, plain);
    auto conn = std::make_unique<connection>(cfg, *q);

    // A new connection from scratch, after a question was answered on the terminal.
    auto start_over = [&] {
        model n;
        n.line_mode = m.line_mode;
        n.cfg = m.cfg;
        n.config_file = m.config_file;
        n.wanted_nick = m.wanted_nick;
        n.password = m.password;
        n.password_from_file = m.password_from_file;
        n.address = m.address;
        m = std::move(n);
        conn.reset();
        q = std::make_unique<event_queue>(plain ? line_mode_queue_capacity : queue_capacity, plain);
        conn = std::make_unique<connection>(cfg, *q);
    };
    // Connect and register before any screen is drawn, so a failure is one clean line.
    while (!start_session(m, *q, *conn, signal_fd, std::chrono::seconds(15), error)) {
        // A server not yet known, on a terminal: ask once, then connect again trusting that key.
        if (!plain && !m.unpinned_key.empty() && cfg.trust.empty()) {
            conn->stop();
            if (ask_first_use(m.address, m.unpinned_key, cfg.known_servers_path)) {
                cfg.trust = m.unpinned_key;
                start_over();
                continue;
            }
            std::fprintf(stderr, "chat: not trusted; nothing was sent to %s\n", m.address.c_str());
            return 1;
        }
        // A server that wants a password none was given for, on a terminal: ask, then connect
        // again with it (a wrong one is asked for again). Kept in memory only, for reconnects.
        if (!plain && !m.password_refused.empty() && opts->password_file.empty()) {
            conn->stop();
            if (ask_password(m.address, m.password_refused == "bad_password", m.password)) {
                start_over();
                continue;
            }
            std::fprintf(stderr, "chat: no password given; not connected to %s\n", m.address.c_str());
            return 1;
        }
        std::fprintf(stderr, "chat: %s\n", chat::utf8::sanitize(error).c_str());
        // The network thread may be inside a name lookup, which nothing can interrupt and which can
        // take a minute with a dead name server. Nothing is on the screen and nothing is owed to the
        // server yet, so the process ends now instead of joining that thread.
        exit_during_lookup(1);
    }
    if (!plain) {
        for (const auto& n : notes) add_info(m, chat::utf8::sanitize(n));
        if (!config_error.empty()) add_info(m, "config: " + config_error, chat_line::kind::error);
    }
    {
        // The config file's rooms, in both modes (a script's config may name rooms too).
        effects fx;
        for (const auto& room : m.cfg.rooms) on_submit(m, "/join " + room, fx);
        apply(fx, *conn);
    }
    // An exception is a bug, but the terminal must still be given back: unwinding closes it.
    try {
        if (plain) return run_plain(m, *q, *conn, signal_fd);
        const int status = run_screen(m, *q, *conn, signal_fd);
        // What ended the screen (a changed server key) is said where it stays readable.
        if (!m.fatal.empty()) {
            std::fprintf(stderr, "chat: %s\n", m.fatal.c_str());
            return 1;
        }
        return status;
    } catch (const std::exception& e) {
        conn->stop();
        std::fprintf(stderr, "chat: internal error: %s\n", chat::utf8::sanitize(e.what()).c_str());
        return 1;
    }
}
