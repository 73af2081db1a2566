// Parsing of what the user types into messages and slash commands.
#include <doctest/doctest.h>

#include "commands.hpp"

using chat::client::command;
using chat::client::parse_command;

TEST_CASE("commands: plain text is a message, '//' escapes a leading slash, blank is nothing") {
    auto c = parse_command("hello there");
    CHECK(c.what == command::kind::say);
    CHECK(c.text == "hello there");
    c = parse_command("//not a command");
    CHECK(c.what == command::kind::say);
    CHECK(c.text == "/not a command");
    CHECK(parse_command("   ").what == command::kind::none);
    CHECK(parse_command("").what == command::kind::none);
}

TEST_CASE("commands: /join adds the '#' and is case-insensitive") {
    auto c = parse_command("/join rust");
    CHECK(c.what == command::kind::join);
    CHECK(c.target == "#rust");
    c = parse_command("/JOIN  #Go ");
    CHECK(c.what == command::kind::join);
    CHECK(c.target == "#Go");
    CHECK(parse_command("/join").what == command::kind::error);
    c = parse_command("/join bad room");
    CHECK(c.what == command::kind::error);
    CHECK(c.text.find("no spaces") != std::string::npos);
}

TEST_CASE("commands: /part with and without a room and reason") {
    auto c = parse_command("/part");
    CHECK(c.what == command::kind::part);
    CHECK(c.target.empty());
    CHECK(c.text.empty());
    c = parse_command("/part going home now");
    CHECK(c.target.empty());
    CHECK(c.text == "going home now");
    c = parse_command("/part #rust bye all");
    CHECK(c.target == "#rust");
    CHECK(c.text == "bye all");
}

TEST_CASE("commands: /msg, /me, /nick, /topic, /who, /rooms, /quit, /win") {
    auto c = parse_command("/msg bob  psst, over here");
    CHECK(c.what == command::kind::msg);
    CHECK(c.target == "bob");
    CHECK(c.text == "psst, over here");
    CHECK(parse_command("/msg bob").what == command::kind::error);

    c = parse_command("/me waves 👋");
    CHECK(c.what == command::kind::me);
    CHECK(c.text == "waves 👋");
    CHECK(parse_command("/me").what == command::kind::error);

    c = parse_command("/nick carol");
    CHECK(c.what == command::kind::nick);
    CHECK(c.target == "carol");
    CHECK(parse_command("/nick two words").what == command::kind::error);

    c = parse_command("/topic");
    CHECK(c.what == command::kind::topic);
    CHECK_FALSE(c.has_text);
    c = parse_command("/topic borrowck support group");
    CHECK(c.has_text);
    CHECK(c.text == "borrowck support group");

    c = parse_command("/who lobby");
    CHECK(c.what == command::kind::who);
    CHECK(c.target == "#lobby");
    CHECK(parse_command("/who").target.empty());
    CHECK(parse_command("/rooms").what == command::kind::rooms);

    c = parse_command("/quit see you");
    CHECK(c.what == command::kind::quit);
    CHECK(c.text == "see you");

    c = parse_command("/win 3");
    CHECK(c.what == command::kind::win);
    CHECK(c.target == "3");
    CHECK(parse_command("/switch #rust").target == "#rust");
}

TEST_CASE("commands: unknown commands are an error naming the command") {
    auto c = parse_command("/frobnicate now");
    CHECK(c.what == command::kind::error);
    CHECK(c.text.find("/frobnicate") != std::string::npos);
}

TEST_CASE("commands: /reconnect and /clear take no arguments") {
    CHECK(parse_command("/reconnect").what == command::kind::reconnect);
    CHECK(parse_command("/clear").what == command::kind::clear);
    CHECK(parse_command("/clear  ").what == command::kind::clear);
    for (const char* line : {"/reconnect now", "/clear #rust", "/CLEAR all"}) {
        CAPTURE(line);
        const command c = parse_command(line);
        CHECK(c.what == command::kind::error);
        CHECK(c.text.find("no arguments") != std::string::npos);
    }
}

TEST_CASE("commands: /topic -clear sets an empty topic; /clear takes no argument") {
    command c = parse_command("/topic -clear");
    CHECK(c.what == command::kind::topic);
    CHECK(c.has_text);
    CHECK(c.text.empty());
    CHECK_FALSE(parse_command("/topic").has_text);
    CHECK(parse_command("/clear").what == command::kind::clear);
    c = parse_command("/clear junk");
    CHECK(c.what == command::kind::error);
    CHECK(c.text.find("usage: /clear") != std::string::npos);
}
