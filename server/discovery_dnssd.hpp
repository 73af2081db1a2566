// Publishes chatd as a DNS-SD service (_chatd._tcp) through avahi-daemon, driven from the server's
// io_context (no thread of its own). Without the daemon, or built without Avahi, it logs one line
// and does nothing else; the UDP responder still answers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <asio.hpp>

#include "log.hpp"

namespace chat {

class dnssd_publisher {
public:
    dnssd_publisher(asio::io_context& io, const logger& log);
    ~dnssd_publisher();
    dnssd_publisher(const dnssd_publisher&) = delete;
    dnssd_publisher& operator=(const dnssd_publisher&) = delete;

    // TXT records: version=1 and, when `fingerprint` is not empty, fp=<fingerprint>.
    void start(const std::string& name, std::uint16_t port, const std::string& fingerprint);
    void stop();

    struct state;  // Avahi's client, entry group and the poll adapter (only with Avahi)

private:
    asio::io_context& io_;
    const logger& log_;
    std::unique_ptr<state> state_;
};

}  // namespace chat
