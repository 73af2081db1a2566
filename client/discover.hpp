// chat's side of LAN discovery (docs/protocol.md, "Discovery"): ask every interface who runs chatd,
// collect the answers for about a second, and say where each server can be reached -- always at the
// address an answer came from, never at one its content names.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "known_servers.hpp"
#include "limits.hpp"

namespace chat::client {

struct found_server {
    std::string name;         // as announced (valid, drawable UTF-8)
    std::string host;         // the answer's source address, "fe80::1%eth0" for link-local IPv6
    std::uint16_t port = 0;   // TCP
    std::string fingerprint;  // empty when the server announced none
    std::string instance;
    int rank = 0;             // lower is a better address to connect to (LAN IPv4 first, loopback last)
};

struct discover_config {
    std::uint16_t port = 7667;                 // UDP port queries go to
    std::chrono::milliseconds window{1000};    // how long answers are collected
    std::size_t max_servers = 64;              // more are counted, not listed
    int signal_fd = -1;                        // readable: stop collecting at once
};

struct discover_result {
    std::vector<found_server> servers;  // one per server (by instance), sorted by name then address
    std::size_t not_listed = 0;         // servers past max_servers
    std::size_t sent = 0;               // queries that left (0: no interface to ask on)
    bool interrupted = false;           // signal_fd became readable
};

discover_result discover(const discover_config& cfg);

// "host:port", bracketed for IPv6.
std::string address_of(const found_server& s);
// One line for `chat --list`: name, address, port and fingerprint ("-" when none), tab-separated.
std::string list_line(const found_server& s);

// What known_servers says about the key a server announced: `changed` (with the disagreeing entry)
// when another key is pinned for its address, `trusted` when the same one is, `unknown` when nothing
// is pinned or it announced no key. An announcement is not proof of a key (the TLS handshake is),
// but a disagreeing one is never connected to silently.
pin_check announced_pin(const known_servers& known, const found_server& s);
// The sentence for a disagreeing announcement: both keys, the file and line, and what to do.
std::string announced_mismatch_message(const found_server& s, const known_server& pinned, const std::string& path);

// The login name made a valid nick (characters outside A-Z a-z 0-9 _ - . become '_', cut to
// max_nick, a reserved name gets '_' appended); "guest" if nothing is left. `note` says what was done.
std::string login_nick(const limits& lim, std::string& note);
// The same for a given name (tests).
std::string nick_from(std::string_view login, const limits& lim);

}  // namespace chat::client
