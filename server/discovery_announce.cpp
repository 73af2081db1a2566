#include "discovery_announce.hpp"

#include <unistd.h>

#include <array>

#include "discovery_dnssd.hpp"
#include "limits.hpp"

namespace chat {

std::string default_name() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) == 0) {
        std::string name = discovery::make_name(host.data());
        if (!name.empty()) return name;
    }
    return "chatd";
}

announcer::announcer(asio::io_context& io, const options& opts, std::uint16_t tcp_port, std::string instance,
                     std::string fingerprint)
    : io_(io), opts_(opts), log_(opts.quiet, opts.log), name_(opts.name.empty() ? default_name() : opts.name) {
    self_.name = name_;
    self_.port = tcp_port;
    self_.version = protocol_version;
    self_.instance = std::move(instance);
    self_.fingerprint = std::move(fingerprint);
}

announcer::~announcer() { stop(); }

void announcer::start() {
    if (!opts_.announce) {
        log_.info("discovery: off (--no-announce); clients connect with chat HOST");
        return;
    }
    if (!opts_.binds.empty()) {
        log_.info("discovery: off with --bind (it answers for every interface); clients connect with chat HOST");
        return;
    }
    discovery_responder::config cfg;
    cfg.at = {asio::ip::udp::endpoint(asio::ip::address_v4::any(), opts_.discovery_port),
              asio::ip::udp::endpoint(asio::ip::address_v6::any(), opts_.discovery_port)};
    cfg.self = self_;
    responder_ = std::make_unique<discovery_responder>(io_, cfg, log_);
    responder_->start();
    dnssd_ = std::make_unique<dnssd_publisher>(io_, log_);
    dnssd_->start(name_, self_.port, self_.fingerprint);
}

void announcer::stop() {
    if (responder_) responder_->stop();
    if (dnssd_) dnssd_->stop();
}

}  // namespace chat
