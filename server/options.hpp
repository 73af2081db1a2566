// chatd's command line: every limit, the addresses to listen on, and how much to log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "limits.hpp"

namespace chat {

struct options {
    limits lim;
    std::vector<std::string> binds;  // empty: every interface, IPv4 and IPv6
    std::uint16_t port = default_port;
    bool quiet = false;              // no per-connection log lines
    bool log = true;                 // no log at all (in-process tests)
    bool announce = true;            // answer discovery queries and publish over DNS-SD
    std::string name;                // announced name; empty: the host name
    std::uint16_t discovery_port = 7667;  // UDP
    // The message store. The struct's default is memory-only (in-process tests); chatd's command
    // line defaults to the disk store in $XDG_STATE_HOME/chatd.
    bool store = false;
    std::string state_dir;           // empty: default_state_dir()
    bool full_sync = false;          // --synchronous full
    std::int64_t retain_days = 0;
    std::size_t retain_messages = 0;
    std::uint64_t store_max_bytes = 0;
    // TLS on `port`. The struct's default is plaintext (in-process tests); chatd's command line
    // defaults to TLS with the key in the state directory.
    bool tls = false;
    std::optional<std::uint16_t> plaintext_port;  // --plaintext-port: a second, plaintext listener
    bool print_fingerprint = false;  // --fingerprint: print the server key's fingerprint and exit
    std::string allow_keys_file;     // --allow-keys: only these client keys may connect
    std::string password_file;       // --password-file: the shared secret every hello must carry
};

// The outcome of parsing argv: options to run with, or text to print and a status to exit with
// (0 for --help/--version on stdout, 2 for a bad argument with one line for stderr).
struct parsed_options {
    std::optional<options> value;
    int exit_status = 0;
    std::string text;
};

parsed_options parse_options(int argc, const char* const* argv);

std::string usage();

}  // namespace chat
