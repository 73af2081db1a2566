// How chatd makes itself known on the LAN: the UDP discovery responder and, when avahi-daemon
// runs, a DNS-SD _chatd._tcp service. Off with --no-announce, and with --bind (answers would name
// the wrong addresses).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <asio.hpp>

#include "discovery.hpp"
#include "log.hpp"
#include "options.hpp"

namespace chat {

class dnssd_publisher;

class announcer {
public:
    // `tcp_port` and `instance` are the running server's; `fingerprint` its key's (may be empty).
    announcer(asio::io_context& io, const options& opts, std::uint16_t tcp_port, std::string instance,
              std::string fingerprint);
    ~announcer();
    announcer(const announcer&) = delete;
    announcer& operator=(const announcer&) = delete;

    void start();
    void stop();

    // The name announced: --name, or the host name made valid.
    const std::string& name() const { return name_; }

private:
    asio::io_context& io_;
    options opts_;
    logger log_;
    std::string name_;
    discovery::answer self_;
    std::unique_ptr<discovery_responder> responder_;
    std::unique_ptr<dnssd_publisher> dnssd_;
};

// The host name made a valid announced name ("chatd" if nothing is left of it).
std::string default_name();

}  // namespace chat
