// The command line of chat: where to connect, as whom, and how to show it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "settings.hpp"
#include "limits.hpp"

namespace chat::client {

struct options {
    std::string host;  // empty: find a server on the LAN (client/discover.hpp)
    std::uint16_t port = chat::default_port;
    std::string nick;  // empty: the login name, made valid
    // Discovery: list what answers and exit; or connect to the server of this name.
    bool list = false;
    std::string server_name;
    std::uint16_t discovery_port = 7667;
    bool plain = false;
    bool help = false;
    bool version = false;
    bool no_log = false;          // --no-log
    std::string config_path;      // --config FILE; empty: the default path
    bool port_given = false;      // by --port or host:port, so the config file's port does not apply
    std::string trust;             // --trust SHA256:...: the key an unpinned server must present
    bool trust_first_use = false;
    std::string password_file;     // --password-file FILE: its first line goes in hello
    bool fingerprint = false;      // --fingerprint: print this client's key (made if missing) and exit
    // Keep-alive: ping after this much silence, give up this long after the ping.
    std::chrono::milliseconds ping_idle{60'000};
    std::chrono::milliseconds ping_timeout{30'000};
    std::chrono::milliseconds backoff_max{30'000};
};

// Parses argv. On failure returns nullopt and sets `error` to one line for stderr. The host and the
// nick may be left out (they are then empty) when the config file gives them: see apply_config.
std::optional<options> parse_options(const std::vector<std::string>& args, std::string& error);

// Fills what the command line left out from the config file's [server] section; the command line
// wins. What neither gives stays empty (no host asks the LAN, no nick takes the login name).
void apply_config(options& o, const settings& s);

const char* usage_text();

}  // namespace chat::client
