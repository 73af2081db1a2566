// chatd's command line: every flag reaches chat::limits, bad values exit 2 with one line.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "options.hpp"

namespace {

chat::parsed_options parse(std::vector<std::string> args) {
    std::vector<const char*> argv{"chatd"};
    for (const auto& a : args) argv.push_back(a.c_str());
    return chat::parse_options(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("options: defaults are chat::limits' defaults") {
    auto r = parse({});
    REQUIRE(r.value);
    CHECK(r.value->port == chat::default_port);
    CHECK(r.value->binds.empty());
    CHECK_FALSE(r.value->quiet);
    CHECK(r.value->lim.max_frame == chat::limits{}.max_frame);
    CHECK(r.value->lim.ping_interval == chat::limits{}.ping_interval);
}

TEST_CASE("options: every flag sets its limit, in both --flag V and --flag=V forms") {
    auto r = parse({"--bind", "127.0.0.1", "--bind=::1", "--port=0", "--history", "7", "--max-frame", "2048",
                    "--max-text=1000", "--max-nick", "9", "--max-room-name", "11", "--max-topic", "12",
                    "--max-rooms-per-client", "3", "--max-rooms", "4", "--max-clients", "5", "--max-per-ip", "6",
                    "--sendq", "65536", "--max-errors", "0", "--rate", "2.5", "--burst", "4",
                    "--hello-timeout", "0.2", "--ping-interval=1.5", "--ping-timeout", "3", "--shutdown-grace", "0",
                    "--write-stall", "2.5", "--writes-per-turn=32", "--quiet"});
    REQUIRE_MESSAGE(r.value, r.text);
    const auto& o = *r.value;
    CHECK(o.binds == std::vector<std::string>{"127.0.0.1", "::1"});
    CHECK(o.port == 0);
    CHECK(o.lim.history == 7);
    CHECK(o.lim.max_frame == 2048);
    CHECK(o.lim.max_text == 1000);
    CHECK(o.lim.max_nick == 9);
    CHECK(o.lim.max_room_name == 11);
    CHECK(o.lim.max_topic == 12);
    CHECK(o.lim.max_rooms_per_client == 3);
    CHECK(o.lim.max_rooms == 4);
    CHECK(o.lim.max_clients == 5);
    CHECK(o.lim.max_per_ip == 6);
    CHECK(o.lim.sendq == 65536);
    CHECK(o.lim.max_errors == 0);
    CHECK(o.lim.rate == doctest::Approx(2.5));
    CHECK(o.lim.burst == doctest::Approx(4));
    CHECK(o.lim.hello_timeout == std::chrono::milliseconds(200));
    CHECK(o.lim.ping_interval == std::chrono::milliseconds(1500));
    CHECK(o.lim.ping_timeout == std::chrono::milliseconds(3000));
    CHECK(o.lim.shutdown_grace == std::chrono::milliseconds(0));
    CHECK(o.lim.write_stall == std::chrono::milliseconds(2500));
    CHECK(o.lim.writes_per_turn == 32);
    CHECK(o.quiet);
}

TEST_CASE("options: bad arguments exit 2 with one line naming the flag") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--port", "65536"},
                                                                  {"--port", "x"},
                                                                  {"--bogus"},
                                                                  {"--rate"},
                                                                  {"--rate", "-1"},
                                                                  {"--burst", "0"},
                                                                  {"--hello-timeout", "0"},
                                                                  {"--ping-timeout", "nan"},
                                                                  {"--write-stall", "-1"},
                                                                  {"--sendq", "10"},
                                                                  {"--writes-per-turn", "-1"},
                                                                  {"--writes-per-turn", "many"},
                                                                  {"--max-nick", "0"},
                                                                  {"--history", "1e3"},
                                                                  {"--quiet=yes"},
                                                                  {"positional"}}) {
        auto r = parse(args);
        CHECK_FALSE_MESSAGE(r.value, "accepted " << args.front());
        CHECK(r.exit_status == 2);
        CHECK(r.text.find('\n') == std::string::npos);
        CHECK(r.text.rfind("chatd: ", 0) == 0);
    }
}

TEST_CASE("options: --help lists every flag with its default; --version") {
    auto r = parse({"--help"});
    CHECK_FALSE(r.value);
    CHECK(r.exit_status == 0);
    for (const char* flag : {"--bind", "--port", "--history", "--max-frame", "--max-text", "--max-nick",
                             "--max-room-name", "--max-topic", "--max-rooms-per-client", "--max-rooms",
                             "--max-clients", "--max-per-ip", "--sendq", "--max-errors", "--rate", "--burst",
                             "--hello-timeout", "--ping-interval", "--ping-timeout", "--write-stall", "--shutdown-grace", "--quiet",
                             "--version"}) {
        CHECK_MESSAGE(r.text.find(flag) != std::string::npos, flag << " missing from --help");
    }
    CHECK(r.text.find("default 16384") != std::string::npos);
    auto v = parse({"--version"});
    CHECK(v.exit_status == 0);
    CHECK(v.text == "chatd 1.0.0\n");
}

TEST_CASE("options: announcing is on by default; --name, --no-announce and --discovery-port") {
    auto d = parse({});
    REQUIRE(d.value);
    CHECK(d.value->announce);
    CHECK(d.value->name.empty());
    CHECK(d.value->discovery_port == 7667);
    auto r = parse({"--name", "Büro 3", "--no-announce", "--discovery-port=0"});
    REQUIRE(r.value);
    CHECK(r.value->name == "Büro 3");
    CHECK_FALSE(r.value->announce);
    CHECK(r.value->discovery_port == 0);
    for (const std::string& bad : std::vector<std::string>{"", "tab\there", std::string(65, 'x'), "\x1b[2J"}) {
        auto b = parse({"--name", bad});
        CHECK_FALSE(b.value);
        CHECK(b.exit_status == 2);
        CHECK(b.text.find("--name") != std::string::npos);
    }
    CHECK_FALSE(parse({"--discovery-port", "65536"}).value);
}
