#include "chat_options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "fingerprint.hpp"

namespace chat::client {

namespace {

bool parse_port(std::string_view s, std::uint16_t& out) {
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || p != s.data() + s.size() || value == 0 || value > 65535) return false;
    out = static_cast<std::uint16_t>(value);
    return true;
}

bool parse_seconds(const std::string& s, std::chrono::milliseconds& out) {
    try {
        std::size_t used = 0;
        const double v = std::stod(s, &used);
        if (used != s.size() || !std::isfinite(v) || v <= 0 || v > 86400) return false;
        out = std::chrono::milliseconds(static_cast<long long>(v * 1000));
        return true;
    } catch (...) {
        return false;
    }
}

// Splits "host", "host:port", "[v6]" or "[v6]:port". A bare IPv6 address (two colons or more)
// is taken whole.
bool split_host(const std::string& arg, options& o, std::string& error) {
    if (arg.empty()) {
        error = "the host is empty";
        return false;
    }
    if (arg.front() == '[') {
        const auto close = arg.find(']');
        if (close == std::string::npos) {
            error = "missing ']' in " + arg;
            return false;
        }
        o.host = arg.substr(1, close - 1);
        const std::string rest = arg.substr(close + 1);
        if (rest.empty()) return !o.host.empty() || (error = "the host is empty", false);
        if (rest.front() != ':' || !parse_port(std::string_view(rest).substr(1), o.port)) {
            error = "bad port in " + arg;
            return false;
        }
        return !o.host.empty() || (error = "the host is empty", false);
    }
    const auto colon = arg.find(':');
    if (colon == std::string::npos || arg.find(':', colon + 1) != std::string::npos) {
        o.host = arg;
        return true;
    }
    o.host = arg.substr(0, colon);
    if (o.host.empty()) {
        error = "the host is empty";
        return false;
    }
    if (!parse_port(std::string_view(arg).substr(colon + 1), o.port)) {
        error = "bad port in " + arg;
        return false;
    }
    return true;
}

}  // namespace

std::optional<options> parse_options(const std::vector<std::string>& args, std::string& error) {
    options o;
    std::vector<std::string> positional;
    std::optional<std::uint16_t> port_flag;
    bool nick_flag = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) {
                error = a + " needs a value";
                return false;
            }
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            o.help = true;
        } else if (a == "--version" || a == "-V") {
            o.version = true;
        } else if (a == "--plain") {
            o.plain = true;
        } else if (a == "--no-log") {
            o.no_log = true;
        } else if (a == "--config") {
            if (!value(o.config_path)) return std::nullopt;
            if (o.config_path.empty()) {
                error = "--config needs a file name";
                return std::nullopt;
            }
        } else if (a == "--fingerprint") {
            o.fingerprint = true;
        } else if (a == "--trust-first-use") {
            o.trust_first_use = true;
        } else if (a == "--trust") {
            if (!value(v)) return std::nullopt;
            if (!chat::is_fingerprint(v)) {
                error = "--trust takes a key fingerprint, SHA256: and 43 characters (as chatd --fingerprint prints it): " + v;
                return std::nullopt;
            }
            o.trust = v;
        } else if (a == "--port" || a == "-p") {
            std::uint16_t p = 0;
            if (!value(v)) return std::nullopt;
            if (!parse_port(v, p)) {
                error = "bad port: " + v;
                return std::nullopt;
            }
            port_flag = p;
        } else if (a == "--nick" || a == "-n") {
            if (!value(o.nick)) return std::nullopt;
            nick_flag = true;
        } else if (a == "--server") {
            if (!value(o.server_name)) return std::nullopt;
        } else if (a == "--list") {
            o.list = true;
        } else if (a == "--discovery-port") {
            if (!value(v)) return std::nullopt;
            if (!parse_port(v, o.discovery_port)) {
                error = "bad port: " + v;
                return std::nullopt;
            }
        } else if (a == "--ping-idle" || a == "--ping-timeout" || a == "--backoff-max") {
            if (!value(v)) return std::nullopt;
            auto& target = a == "--ping-idle" ? o.ping_idle : a == "--ping-timeout" ? o.ping_timeout : o.backoff_max;
            if (!parse_seconds(v, target)) {
                error = "bad number of seconds for " + a + ": " + v;
                return std::nullopt;
            }
        } else if (a.size() > 1 && a.front() == '-' && a != "--") {
            error = "unknown option " + a;
            return std::nullopt;
        } else if (a != "--") {
            positional.push_back(a);
        }
    }
    if (o.help || o.version || o.fingerprint) return o;
    // chat [HOST[:PORT] [NICK]]: no host finds one on the LAN, no nick takes the login name.
    if (positional.size() > 2 || (nick_flag && positional.size() > 1)) {
        error = "too many arguments";
        return std::nullopt;
    }
    if (!positional.empty() && (o.list || !o.server_name.empty())) {
        error = std::string(o.list ? "--list" : "--server") + " asks the LAN; give no host with it";
        return std::nullopt;
    }
    if (nick_flag && o.nick.empty()) {
        error = "the nick is empty";
        return std::nullopt;
    }
    if (!positional.empty()) {
        if (!split_host(positional[0], o, error)) return std::nullopt;
        o.port_given = positional[0].find("]:") != std::string::npos ||
                       (positional[0].front() != '[' && std::count(positional[0].begin(), positional[0].end(), ':') == 1);
    }
    if (port_flag) {
        o.port = *port_flag;
        o.port_given = true;
    }
    if (positional.size() == 2) o.nick = positional[1];
    return o;
}

void apply_config(options& o, const settings& s) {
    // --list and --server ask the LAN: the file's host does not apply to them.
    if (o.host.empty() && !o.list && o.server_name.empty() && !s.host.empty()) {
        std::string ignored;
        if (!split_host(s.host, o, ignored)) o.host = s.host;
    }
    if (!o.port_given && s.port != 0) o.port = s.port;
    if (o.nick.empty()) o.nick = s.nick;
}

const char* usage_text() {
    return "usage: chat [options] [<host>[:port] [<nick>]]\n"
           "       chat --list\n"
           "\n"
           "Connects to a chatd server and opens a full-screen chat. The host may be a name, an IPv4\n"
           "address, or an IPv6 address in brackets ([::1]:7667). The default port is 7667.\n"
           "Without a host, chat asks the LAN which servers run (about a second) and connects to the\n"
           "one that answers, or lets you pick. Without a nick it uses your login name.\n"
           "\n"
           "  --nick NICK, -n     the nick to use (instead of the login name)\n"
           "  --list              list the servers on the LAN, one per line: name, address, port,\n"
           "                      key fingerprint (- if none), tab-separated; exit 1 if none answer\n"
           "  --server NAME       connect to the server of this name on the LAN\n"
           "  --discovery-port N  UDP port discovery queries go to (default 7667)\n"
           "  --port N            port to connect to (overrides host:port)\n"
           "  --plain             line mode: one line per event on stdout, stdin lines are sent\n"
           "                      (also used when stdin or stdout is not a terminal)\n"
           "  --trust SHA256:...  a server not yet known must present this key (chatd --fingerprint);\n"
           "                      it is then remembered in $XDG_DATA_HOME/chat/known_servers\n"
           "  --trust-first-use   remember whatever key a server not yet known presents (line mode\n"
           "                      asks for nothing; the full screen asks first without it)\n"
           "  --fingerprint       print this client's key (for a server's --allow-keys) and exit\n"
           "  --ping-idle SECS    ping the server after this much silence (default 60)\n"
           "  --ping-timeout SECS give up on the connection this long after a ping (default 30)\n"
           "  --backoff-max SECS  longest wait between reconnect attempts (default 30)\n"
           "  --no-log            write no logs (default: $XDG_DATA_HOME/chat/logs/<server>/<room>.log)\n"
           "  --config FILE       read settings from FILE instead of the config file below\n"
           "  --help, --version\n"
           "\n"
           "The config file, $XDG_CONFIG_HOME/chat/config (~/.config/chat/config), can give the host,\n"
           "nick, rooms, notifications and more (TOML; see docs/client.md); flags win over it.\n"
           "Inside, type /help for commands.\n"
           "\n"
           "The connection is TLS. The server's key is pinned on first use, as ssh does: a server whose\n"
           "key changed is refused. This client's own key ($XDG_DATA_HOME/chat/identity) is its\n"
           "certificate.\n";
}

}  // namespace chat::client
