// Two well-behaved clients that stay connected through a hostile test and prove, before and after,
// that the server still relays between them in both directions.
#pragma once

#include <string>

#include <doctest/doctest.h>

#include "chatd_process.hpp"
#include "test_client.hpp"

namespace chat::test {

// True for a room message from `nick` (any text).
inline auto message_from(const std::string& nick) {
    return [nick](const json& f) { return f.value("type", "") == "message" && f.value("from", "") == nick; };
}

// Waits for the next room message from `nick` and checks it is `text`: nothing that nick sent
// earlier (and that the server should have refused) was relayed in between.
inline void expect_next_message(test_client& reader, const std::string& nick, const std::string& text,
                                test_clock::time_point deadline = deadline_in(5s)) {
    const json m = reader.wait_for(message_from(nick), "a message from " + nick, deadline);
    CHECK_MESSAGE(m.value("text", "") == text, "the next message from " << nick << " was " << preview(m.dump()));
}

// Sends ping with a token and waits for the matching pong: the connection is open and served.
inline void expect_pong(test_client& c, int token, test_clock::time_point deadline = deadline_in(5s)) {
    REQUIRE_MESSAGE(c.send(json{{"type", "ping"}, {"token", token}}), "could not send ping " << token);
    c.wait_for([&](const json& f) { return f.value("type", "") == "pong" && f.value("token", -1) == token; },
               "pong " + std::to_string(token), deadline);
}

class witnesses {
public:
    explicit witnesses(chatd_process& server, const std::string& prefix = "witness")
        : a_(server.client()), b_(server.client()) {
        a_.hello(prefix + "A");
        b_.hello(prefix + "B");
        check_relay("before");
    }

    test_client& a() { return a_; }
    test_client& b() { return b_; }

    // A says something and B receives it, then the other way round.
    void check_relay(const std::string& tag) {
        const std::string ta = "relay " + tag + " from " + a_.nick() + " #" + std::to_string(++count_);
        REQUIRE_MESSAGE(a_.say("#lobby", ta), "witness " << a_.nick() << " could not send (" << tag << ")");
        expect_next_message(b_, a_.nick(), ta);
        const std::string tb = "relay " + tag + " from " + b_.nick() + " #" + std::to_string(++count_);
        REQUIRE_MESSAGE(b_.say("#lobby", tb), "witness " << b_.nick() << " could not send (" << tag << ")");
        expect_next_message(a_, b_.nick(), tb);
    }

private:
    test_client a_;
    test_client b_;
    int count_ = 0;
};

}  // namespace chat::test
