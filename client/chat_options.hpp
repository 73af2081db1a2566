// The command line of chat: where to connect, as whom, and how to show it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chat::client {

struct options {
    std::string host;  // empty: find a server on the LAN (client/discover.hpp)
    std::uint16_t port = 7667;
    std::string nick;  // empty: the login name, made valid
    // Discovery: list what answers and exit; or connect to the server of this name.
    bool list = false;
    std::string server_name;
    std::uint16_t discovery_port = 7667;
    bool plain = false;
    bool help = false;
    bool version = false;
    // Keep-alive: ping after this much silence, give up this long after the ping.
    std::chrono::milliseconds ping_idle{60'000};
    std::chrono::milliseconds ping_timeout{30'000};
    std::chrono::milliseconds backoff_max{30'000};
};

// Parses argv. On failure returns nullopt and sets `error` to one line for stderr.
std::optional<options> parse_options(const std::vector<std::string>& args, std::string& error);

const char* usage_text();

}  // namespace chat::client
