// The chat command line: host forms (name, IPv4, bracketed IPv6), ports, and clear errors.
#include <doctest/doctest.h>

#include "chat_options.hpp"

using chat::client::parse_options;

namespace {

chat::client::options ok(std::vector<std::string> args) {
    std::string error;
    auto o = parse_options(args, error);
    REQUIRE_MESSAGE(o.has_value(), "refused: " << error);
    return *o;
}

std::string refused(std::vector<std::string> args) {
    std::string error;
    auto o = parse_options(args, error);
    CHECK_FALSE(o.has_value());
    CHECK_FALSE(error.empty());
    return error;
}

}  // namespace

TEST_CASE("options: host forms and ports") {
    auto o = ok({"chat.lan", "alice"});
    CHECK(o.host == "chat.lan");
    CHECK(o.port == 7667);
    CHECK(o.nick == "alice");
    CHECK_FALSE(o.plain);

    o = ok({"192.168.1.20:7000", "bob"});
    CHECK(o.host == "192.168.1.20");
    CHECK(o.port == 7000);

    o = ok({"[::1]:7001", "bob"});
    CHECK(o.host == "::1");
    CHECK(o.port == 7001);

    o = ok({"[fd00::20]", "bob"});
    CHECK(o.host == "fd00::20");
    CHECK(o.port == 7667);

    o = ok({"--port", "9000", "fd00::20", "bob"});
    CHECK(o.host == "fd00::20");
    CHECK(o.port == 9000);

    o = ok({"--plain", "host:1234", "carol", "--port", "4321"});
    CHECK(o.plain);
    CHECK(o.port == 4321);  // the flag wins over host:port
}

TEST_CASE("options: timing flags take seconds with decimals") {
    auto o = ok({"--ping-idle", "0.5", "--ping-timeout", "2", "--backoff-max", "1.5", "h", "n"});
    CHECK(o.ping_idle.count() == 500);
    CHECK(o.ping_timeout.count() == 2000);
    CHECK(o.backoff_max.count() == 1500);
    refused({"--ping-idle", "-1", "h", "n"});
    refused({"--ping-idle", "soon", "h", "n"});
}

TEST_CASE("options: help and version need no host") {
    CHECK(ok({"--help"}).help);
    CHECK(ok({"--version"}).version);
}

TEST_CASE("options: mistakes are refused with a reason") {
    CHECK(refused({"--list", "host"}).find("give no host") != std::string::npos);
    CHECK(refused({"--server", "office", "host"}).find("give no host") != std::string::npos);
    CHECK(refused({"--nick", "a", "host", "b"}).find("too many") != std::string::npos);
    CHECK(refused({"--nick", ""}).find("empty") != std::string::npos);
    CHECK(refused({"--discovery-port", "0"}).find("port number from 1 to 65535") != std::string::npos);
    CHECK(refused({"--plain=yes", "h"}).find("takes no value") != std::string::npos);
    CHECK(refused({"--config"}).find("needs a value") != std::string::npos);
    CHECK(refused({"a", "b", "c"}).find("too many") != std::string::npos);
    CHECK(refused({"host:0", "n"}).find("bad port") != std::string::npos);
    CHECK(refused({"host:70000", "n"}).find("bad port") != std::string::npos);
    CHECK(refused({"host:", "n"}).find("bad port") != std::string::npos);
    CHECK(refused({"[::1", "n"}).find("]") != std::string::npos);
    CHECK(refused({"[::1]x", "n"}).find("bad port") != std::string::npos);
    CHECK(refused({":7667", "n"}).find("empty") != std::string::npos);
    CHECK(refused({"--port", "x", "h", "n"}).find("port number from 1 to 65535") != std::string::npos);
    CHECK(refused({"--port"}).find("needs a value") != std::string::npos);
    CHECK(refused({"--colour", "h", "n"}).find("unknown option --colour") != std::string::npos);
}

TEST_CASE("options: no host asks the LAN, no nick takes the login name") {
    const auto none = ok({});
    CHECK(none.host.empty());
    CHECK(none.nick.empty());
    CHECK_FALSE(none.list);
    CHECK(none.discovery_port == 7667);
    const auto host_only = ok({"10.0.0.2:7000"});
    CHECK(host_only.host == "10.0.0.2");
    CHECK(host_only.port == 7000);
    CHECK(host_only.nick.empty());
    const auto by_flag = ok({"--nick", "alice", "--server", "Büro 3", "--discovery-port", "17667"});
    CHECK(by_flag.host.empty());
    CHECK(by_flag.nick == "alice");
    CHECK(by_flag.server_name == "Büro 3");
    CHECK(by_flag.discovery_port == 17667);
    CHECK(ok({"--list"}).list);
    CHECK(ok({"-n", "bob", "h"}).nick == "bob");
}

TEST_CASE("options: the config file fills in what the command line leaves out, and never wins") {
    chat::client::settings cfg;
    auto o = ok({"host"});
    chat::client::apply_config(o, cfg);
    CHECK(o.nick.empty());  // neither says: the login name is taken later

    cfg.host = "cfg.lan";
    cfg.port = 7100;
    cfg.nick = "fromfile";
    o = ok({});
    chat::client::apply_config(o, cfg);
    CHECK(o.host == "cfg.lan");
    CHECK(o.port == 7100);
    CHECK(o.nick == "fromfile");
    o = ok({"--list"});
    chat::client::apply_config(o, cfg);
    CHECK(o.host.empty());  // --list asks the LAN

    o = ok({"other.lan", "bob"});
    chat::client::apply_config(o, cfg);
    CHECK(o.host == "other.lan");
    CHECK(o.nick == "bob");
    CHECK(o.port == 7100);  // no port said: the file's
    o = ok({"other.lan:7200"});
    chat::client::apply_config(o, cfg);
    CHECK(o.port == 7200);
    CHECK(o.nick == "fromfile");
    o = ok({"--port", "7300", "--no-log", "--config", "/tmp/x"});
    chat::client::apply_config(o, cfg);
    CHECK(o.port == 7300);
    CHECK(o.no_log);
    CHECK(o.config_path == "/tmp/x");
    o = ok({"fd00::20"});  // a bare IPv6 address names no port
    chat::client::apply_config(o, cfg);
    CHECK(o.port == 7100);
}
