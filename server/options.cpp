#include "options.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "cli.hpp"
#include "discovery_wire.hpp"

namespace chat {

namespace {

using flag = cli::flag<options>;
using setter = cli::setter<options>;
using cli::to_count;
using cli::to_number;

setter count(std::size_t limits::*field, unsigned long long min, const char* what) {
    return [=](options& o, std::string_view v) -> std::optional<std::string> {
        const auto n = to_count(v);
        if (!n || *n < min || *n > (1ull << 40)) {
            return std::string("expects ") + what + " (a whole number of at least " + std::to_string(min) + ")";
        }
        o.lim.*field = static_cast<std::size_t>(*n);
        return std::nullopt;
    };
}

setter secs(std::chrono::milliseconds limits::*field, bool zero_ok) {
    return [=](options& o, std::string_view v) -> std::optional<std::string> {
        const auto d = to_number(v);
        if (!d || *d < 0 || (*d == 0 && !zero_ok) || *d > 1e6) {
            return std::string("expects seconds (") + (zero_ok ? "0 or more" : "more than 0") + ", decimals allowed)";
        }
        o.lim.*field = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(*d * 1000)));
        if (!zero_ok && o.lim.*field == std::chrono::milliseconds(0)) o.lim.*field = std::chrono::milliseconds(1);
        return std::nullopt;
    };
}

const std::vector<flag>& flags() {
    static const std::vector<flag> table = {
        {"--bind", "ADDR", "address to listen on; repeatable (default: all interfaces, IPv4 and IPv6)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             if (v.empty()) return "expects an address";
             o.binds.emplace_back(v);
             return std::nullopt;
         }},
        {"--port", "N", "TCP port; 0 picks a free one (default 7667)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto n = to_count(v);
             if (!n || *n > 65535) return "expects a port number from 0 to 65535";
             o.port = static_cast<std::uint16_t>(*n);
             return std::nullopt;
         }},
        {"--nicks-per-key", "N", "nicks one client key may own; the first key to use a free nick owns it (default 3)",
         count(&limits::nicks_per_key, 0, "a nick count")},
        {"--offline-messages", "N",
         "private messages kept for one owned nick while its owner is offline; 0 = not kept (default 100)",
         count(&limits::offline_messages, 0, "a message count")},
        {"--offline-bytes", "BYTES", "their text, also bounded to sendq/8 (default 65536)",
         count(&limits::offline_bytes, 0, "a size in bytes")},
        {"--offline-total", "N", "offline private messages kept for all nicks together (default 10000)",
         count(&limits::offline_total, 0, "a message count")},
        {"--history", "N", "messages kept per room, also bounded to sendq/2 bytes (default 100)",
         count(&limits::history, 0, "a message count")},
        {"--max-frame", "BYTES", "longest line a client may send (default 16384)",
         count(&limits::max_frame, 256, "a size in bytes")},
        {"--max-text", "BYTES", "longest message text (default 4096)", count(&limits::max_text, 1, "a size in bytes")},
        {"--max-lines", "N", "lines in one message, within --max-text (default 50)", count(&limits::max_lines, 1, "a line count")},
        {"--max-nick", "N", "longest nick (default 16)", count(&limits::max_nick, 1, "a length")},
        {"--max-room-name", "N", "longest room name after # (default 32)", count(&limits::max_room_name, 1, "a length")},
        {"--max-topic", "BYTES", "longest topic or quit reason (default 256)",
         count(&limits::max_topic, 0, "a size in bytes")},
        {"--max-rooms-per-client", "N", "rooms one client may be in (default 32)",
         count(&limits::max_rooms_per_client, 1, "a room count")},
        {"--max-rooms", "N", "rooms on the server, #lobby included (default 1000)",
         count(&limits::max_rooms, 1, "a room count")},
        {"--max-clients", "N", "connections at once, clamped to the open-file limit minus 32 (default 1000)",
         count(&limits::max_clients, 1, "a client count")},
        {"--max-per-ip", "N", "connections from one address (default 16)",
         count(&limits::max_per_ip, 1, "a connection count")},
        {"--sendq", "BYTES", "output queued for one client before it is cut off (default 1048576)",
         count(&limits::sendq, 4096, "a size in bytes")},
        {"--max-errors", "N", "refused frames in a row before closing; 0 = never (default 10)",
         count(&limits::max_errors, 0, "a count")},
        {"--rate", "PER_SEC", "counted frames per second per client; 0 = no limit (default 5)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto d = to_number(v);
             if (!d || *d < 0 || *d > 1e9) return "expects frames per second (0 or more)";
             o.lim.rate = *d;
             return std::nullopt;
         }},
        {"--burst", "N", "frames a client may send at once before the rate applies (default 10)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto d = to_number(v);
             if (!d || *d < 1 || *d > 1e9) return "expects a number of at least 1";
             o.lim.burst = *d;
             return std::nullopt;
         }},
        {"--hello-timeout", "SECS", "time a new connection has to send hello (default 10)",
         secs(&limits::hello_timeout, false)},
        {"--ping-interval", "SECS", "silence before the server pings a client (default 45)",
         secs(&limits::ping_interval, false)},
        {"--ping-timeout", "SECS", "time to answer a ping before being closed (default 30)",
         secs(&limits::ping_timeout, false)},
        {"--write-stall", "SECS", "time queued output may wait on a client that reads nothing; 0 = never (default 30)",
         secs(&limits::write_stall, true)},
        {"--shutdown-grace", "SECS", "time to flush output when stopping (default 2)",
         secs(&limits::shutdown_grace, true)},
        {"--name", "NAME", "name announced to the LAN, at most 64 bytes (default: the host name)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             if (!discovery::valid_name(v)) return "expects 1 to 64 bytes of UTF-8 without control characters";
             o.name = std::string(v);
             return std::nullopt;
         }},
        {"--no-announce", nullptr, "neither answer discovery queries nor publish _chatd._tcp over DNS-SD",
         [](options& o, std::string_view) -> std::optional<std::string> {
             o.announce = false;
             return std::nullopt;
         }},
        {"--discovery-port", "N", "UDP port of discovery queries; 0 picks a free one (default 7667)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto n = to_count(v);
             if (!n || *n > 65535) return "expects a port number from 0 to 65535";
             o.discovery_port = static_cast<std::uint16_t>(*n);
             return std::nullopt;
         }},
        {"--state-dir", "DIR", "where chatd keeps its key and message store (default $XDG_STATE_HOME/chatd, ~/.local/state/chatd)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             if (v.empty()) return "expects a directory";
             o.state_dir = v;
             return std::nullopt;
         }},
        {"--no-store", nullptr, "keep messages in memory only, as --history says; nothing is written to disk",
         [](options& o, std::string_view) -> std::optional<std::string> {
             o.store = false;
             return std::nullopt;
         }},
        {"--synchronous", "MODE", "normal (default: a power loss may cost the last commits) or full (fsync each)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             if (v != "normal" && v != "full") return "expects normal or full";
             o.full_sync = v == "full";
             return std::nullopt;
         }},
        {"--retain-days", "N", "stored messages older than N days are deleted; 0 = kept (default 0)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto n = to_count(v);
             if (!n || *n > 100'000) return "expects a number of days (0 to 100000)";
             o.retain_days = static_cast<std::int64_t>(*n);
             return std::nullopt;
         }},
        {"--retain-messages", "N", "stored messages kept per room and conversation; 0 = all (default 0)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto n = to_count(v);
             if (!n || *n > (1ull << 40)) return "expects a message count";
             o.retain_messages = static_cast<std::size_t>(*n);
             return std::nullopt;
         }},
        {"--store-max-mb", "N", "the store's size bound; the oldest messages go first; 0 = none (default 0)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto n = to_count(v);
             if (!n || *n > (1ull << 30)) return "expects a size in MiB";
             o.store_max_bytes = static_cast<std::uint64_t>(*n) << 20;
             return std::nullopt;
         }},
        {"--notice-delay", "SECS",
         "join, part and quit notices may wait this long to share a write; 0 = sent at once (default 0.05)",
         secs(&limits::notice_delay, true)},
        {"--writes-per-turn", "N",
         "clients written per turn of the event loop; the rest after the input ready by then; 0 = no bound (default 256)",
         count(&limits::writes_per_turn, 0, "a count")},
        {"--joins-per-turn", "N",
         "hellos and joins handled per turn of the event loop; more wait, in order, for the next turns; 0 = no bound (default 16)",
         count(&limits::joins_per_turn, 0, "a count")},
        {"--quiet-rooms", "N",
         "rooms of more than N members send no join, part or quit notices (who and rooms still tell); 0 = off (default 0)",
         count(&limits::quiet_rooms, 0, "a member count")},
        {"--plaintext-port", "N", "also listen without TLS on port N, for old bots on a trusted host (default: none)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             const auto n = to_count(v);
             if (!n || *n > 65535) return "expects a port number from 0 to 65535";
             o.plaintext_port = static_cast<std::uint16_t>(*n);
             return std::nullopt;
         }},
        {"--fingerprint", nullptr, "print the server key's fingerprint (made if missing) and exit",
         [](options& o, std::string_view) -> std::optional<std::string> {
             o.print_fingerprint = true;
             return std::nullopt;
         }},
        {"--allow-keys", "FILE", "only client keys listed in FILE may connect (one SHA256:... a line)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             if (v.empty()) return "expects a file";
             o.allow_keys_file = v;
             return std::nullopt;
         }},
        {"--password-file", "FILE", "every hello must carry the password on FILE's first line (read at start)",
         [](options& o, std::string_view v) -> std::optional<std::string> {
             if (v.empty()) return "expects a file";
             o.password_file = v;
             return std::nullopt;
         }},
        {"--quiet", nullptr, "no per-connection log lines",
         [](options& o, std::string_view) -> std::optional<std::string> {
             o.quiet = true;
             return std::nullopt;
         }},
    };
    return table;
}

}  // namespace

std::string usage() {
    std::string out =
        "usage: chatd [options]\n"
        "       chatd nicks [--state-dir DIR] list | release NICK   (owned nicks; chatd stopped)\n"
        "A chat server for a LAN, speaking JSON lines (see docs/protocol.md).\n\n";
    out += cli::describe(flags());
    out += "  --help                        this text\n";
    out += "  --version                     print the version\n\n";
    out += "SECS accept decimals (e.g. 0.2). SIGINT/SIGTERM stop gracefully (exit 0); a second signal\n"
           "exits at once with status 128+signal.\n";
    return out;
}

parsed_options parse_options(int argc, const char* const* argv) {
    parsed_options r;
    const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    for (const std::string& a : args) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") {
            r.text = usage();
            return r;
        }
        if (a == "--version") {
            r.text = std::string("chatd ") + CHAT_VERSION + "\n";
            return r;
        }
    }
    options o;
    o.store = true;
    o.tls = true;
    if (const auto bad = cli::parse(flags(), args, o)) {
        r.exit_status = 2;
        r.text = "chatd: " + bad->text + (bad->text.starts_with("unknown") ? " (see chatd --help)" : "");
        return r;
    }
    r.value = std::move(o);
    return r;
}

}  // namespace chat
