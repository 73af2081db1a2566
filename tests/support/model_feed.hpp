// Driving the client's update logic from a test: a server line decoded into a network event, and
// events fed to on_event. Shared by the model, daily-client and history tests.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "protocol.hpp"
#include "update.hpp"

namespace chat::client::testing {

inline net_event frame(const std::string& line) {
    auto r = chat::decode(line, 8);
    REQUIRE_MESSAGE(r, "test frame does not decode: " << line);
    net_event ev;
    ev.what = net_event::kind::frame;
    ev.body = *r.value;
    return ev;
}

inline effects feed(model& m, const net_event& ev) {
    effects fx;
    on_event(m, ev, fx);
    return fx;
}

inline effects feed(model& m, const std::string& line) { return feed(m, frame(line)); }

}  // namespace chat::client::testing
