#include "chat_options.hpp"

#include <algorithm>
#include <string_view>

#include "cli.hpp"
#include "fingerprint.hpp"

namespace chat::client {

namespace {

bool parse_port(std::string_view s, std::uint16_t& out) {
    const auto p = cli::to_port(s);
    if (p) out = *p;
    return p.has_value();
}

// Seconds, decimals allowed, more than 0 and at most a day.
cli::setter<options> seconds(std::chrono::milliseconds options::*field) {
    return [=](options& o, std::string_view v) -> std::optional<std::string> {
        const auto d = cli::to_number(v);
        if (!d || *d <= 0 || *d > 86400) return "expects seconds (more than 0, at most 86400; decimals allowed)";
        o.*field = std::chrono::milliseconds(static_cast<long long>(*d * 1000));
        return std::nullopt;
    };
}

cli::setter<options> on(bool options::*field) {
    return [=](options& o, std::string_view) -> std::optional<std::string> {
        o.*field = true;
        return std::nullopt;
    };
}

// The flags; `port_flag` and `nick_flag` say what was given, for the checks after parsing.
std::vector<cli::flag<options>> flags(std::optional<std::uint16_t>* port_flag, bool* nick_flag) {
    using r = std::optional<std::string>;
    return {
        {"--nick", "NICK", "the nick to use (instead of the login name)",
         [=](options& o, std::string_view v) -> r {
             o.nick = v;
             if (nick_flag != nullptr) *nick_flag = true;
             return std::nullopt;
         },
         "-n"},
        {"--list", nullptr,
         "list the servers on the LAN, one per line: name, address, port,\nkey fingerprint (- if none), tab-separated; exit 1 if none answer",
         on(&options::list)},
        {"--server", "NAME", "connect to the server of this name on the LAN",
         [](options& o, std::string_view v) -> r {
             o.server_name = v;
             return std::nullopt;
         }},
        {"--discovery-port", "N", "UDP port discovery queries go to (default 7667)",
         [](options& o, std::string_view v) -> r {
             if (!parse_port(v, o.discovery_port)) return "expects a port number from 1 to 65535";
             return std::nullopt;
         }},
        {"--port", "N", "port to connect to (overrides host:port)",
         [=](options&, std::string_view v) -> r {
             std::uint16_t p = 0;
             if (!parse_port(v, p)) return "expects a port number from 1 to 65535";
             if (port_flag != nullptr) *port_flag = p;
             return std::nullopt;
         },
         "-p"},
        {"--plain", nullptr,
         "line mode: one line per event on stdout, stdin lines are sent\n(also used when stdin or stdout is not a terminal)",
         on(&options::plain)},
        {"--trust", "SHA256:...",
         "a server not yet known must present this key (chatd --fingerprint);\nit is then remembered in $XDG_DATA_HOME/chat/known_servers",
         [](options& o, std::string_view v) -> r {
             if (!chat::is_fingerprint(v)) {
                 return "takes a key fingerprint, SHA256: and 43 characters (as chatd --fingerprint prints it)";
             }
             o.trust = v;
             return std::nullopt;
         }},
        {"--trust-first-use", nullptr,
         "remember whatever key a server not yet known presents (line mode\nasks for nothing; the full screen asks first without it)",
         on(&options::trust_first_use)},
        {"--password-file", "FILE", "send the password on FILE's first line (a server's --password-file);\nnever give a password itself on the command line",
         [](options& o, std::string_view v) -> r {
             if (v.empty()) return "needs a file name";
             o.password_file = v;
             return std::nullopt;
         }},
        {"--fingerprint", nullptr, "print this client's key (for a server's --allow-keys) and exit", on(&options::fingerprint)},
        {"--ping-idle", "SECS", "ping the server after this much silence (default 60)", seconds(&options::ping_idle)},
        {"--ping-timeout", "SECS", "give up on the connection this long after a ping (default 30)",
         seconds(&options::ping_timeout)},
        {"--backoff-max", "SECS", "longest wait between reconnect attempts (default 30)", seconds(&options::backoff_max)},
        {"--no-log", nullptr, "write no logs (default: $XDG_DATA_HOME/chat/logs/<server>/<room>.log)", on(&options::no_log)},
        {"--config", "FILE", "read settings from FILE instead of the config file below",
         [](options& o, std::string_view v) -> r {
             if (v.empty()) return "needs a file name";
             o.config_path = v;
             return std::nullopt;
         }},
        {"--help", nullptr, "this text", on(&options::help), "-h"},
        {"--version", nullptr, "print the version", on(&options::version), "-V"},
    };
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
    if (const auto bad = cli::parse(flags(&port_flag, &nick_flag), args, o, &positional)) {
        error = bad->text;
        return std::nullopt;
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
    if (o.password_file.empty()) o.password_file = s.password_file;
}

const char* usage_text() {
    static const std::string text =
        "usage: chat [options] [<host>[:port] [<nick>]]\n"
        "       chat --list\n"
        "\n"
        "Connects to a chatd server and opens a full-screen chat. The host may be a name, an IPv4\n"
        "address, or an IPv6 address in brackets ([::1]:7667). The default port is 7667.\n"
        "Without a host, chat asks the LAN which servers run (about a second) and connects to the\n"
        "one that answers, or lets you pick. Without a nick it uses your login name.\n"
        "\n" +
        cli::describe(flags(nullptr, nullptr), 24) +
        "\n"
        "The config file, $XDG_CONFIG_HOME/chat/config (~/.config/chat/config), can give the host,\n"
        "nick, rooms, notifications and more (TOML; see docs/client.md); flags win over it.\n"
        "Inside, type /help for commands.\n"
        "\n"
        "The connection is TLS. The server's key is pinned on first use, as ssh does: a server whose\n"
        "key changed is refused. This client's own key ($XDG_DATA_HOME/chat/identity) is its\n"
        "certificate.\n";
    return text.c_str();
}

}  // namespace chat::client
