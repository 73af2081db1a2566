// What one chat-bench run does: the target, the workload and its sizes, all from the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "limits.hpp"

namespace bench {

enum class protocol { chatd, irc };
enum class workload { fanout, idle, storm, handshake };

struct options {
    protocol proto = protocol::chatd;
    workload kind = workload::fanout;
    std::string host = "127.0.0.1";
    std::uint16_t port = chat::default_port;
    bool tls = false;                 // TLS 1.3 over the connection (OpenSSL), the server's cert unchecked
    // The most plaintext a client puts in one TLS record. 2048, not 16 KiB: ngIRCd (GnuTLS) reads a
    // few KiB per wake-up and leaves the rest of a larger record inside GnuTLS until more bytes
    // arrive, so a sender's last messages were never relayed (measured with 8 and 16 KiB records).
    int tls_record = 2048;
    std::string tls_ciphers;          // TLS 1.3 cipher suites offered (OpenSSL's list syntax); empty: its default
    std::string room;                 // empty: a fresh name per run, so no old history is replayed
    int clients = 100;                // N (fanout), C (idle) or handshakes (handshake)
    int senders = 10;                 // S
    int messages = 1000;              // M per sender
    int size = 100;                   // bytes of message text
    double rate = 0;                  // messages per second per sender; 0 = flat out
    int storm = 2000;                 // clients that connect during the storm workload
    int window = 0;                   // messages in flight per sender; 0 = unbounded
    int connect_concurrency = 8;      // connections being set up at once (ngIRCd's backlog is 10)
    double setup_timeout = 120;       // seconds for connecting, registering and joining
    double timeout = 120;             // seconds for the measured phase, drain included
    double settle = 0.3;              // seconds of silence that end the set-up phase
    int server_pid = 0;               // 0: no server CPU/RSS figures
    std::string label;                // free text copied into the JSON (e.g. "chatd")
};

// Parses argv; on error or --help prints to stderr and returns nullopt with `exit_code` set.
std::optional<options> parse_options(int argc, char** argv, int& exit_code);

const char* to_string(protocol p);
const char* to_string(workload w);

}  // namespace bench
