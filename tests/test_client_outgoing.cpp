// The frames the client sends: say and pm are built by hand (every piped line goes through them),
// and must be byte for byte what encoding the same json object gives.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "outgoing.hpp"
#include "protocol.hpp"

using chat::client::outgoing::message;

TEST_CASE("outgoing: say and pm are exactly the encoded json object, escapes and all") {
    std::vector<std::string> texts = {"", "hello", "quote \" backslash \\ slash /", "tab\tnl\ncr\r",
                                      "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", "del \x7f",
                                      "bad \xff utf-8", std::string("nul \0 inside", 12)};
    std::string every;
    for (int c = 1; c < 0x80; ++c) every += static_cast<char>(c);
    texts.push_back(every);
    for (const auto& text : texts) {
        for (const bool action : {false, true}) {
            CHECK(message("#lobby", false, text, action) ==
                  chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", text}, {"action", action}}));
            CHECK(message("bob", true, text, action) ==
                  chat::encode({{"type", "pm"}, {"to", "bob"}, {"text", text}, {"action", action}}));
        }
    }
    CHECK(message("#r\"x", false, "t", false) == chat::encode({{"type", "say"}, {"room", "#r\"x"}, {"text", "t"}, {"action", false}}));
}
