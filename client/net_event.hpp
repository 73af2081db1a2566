// One thing the network thread tells the UI thread: a decoded frame or a change of connection state.
#pragma once

#include <cstdint>
#include <string>

#include "protocol.hpp"

namespace chat::client {

struct net_event {
    enum class kind {
        connecting,      // resolving/connecting to `text` (host:port)
        connected,       // TCP is up; the UI answers with hello
        frame,           // a decoded frame from the server
        garbled,         // a line that did not decode; `text` says why (already safe to show)
        disconnected,    // the connection ended; `text` is the reason
        reconnect_wait,  // next attempt in `number` milliseconds
        skipped,         // `number` events were dropped because the UI fell behind
        closed,          // the network thread stopped for good (after quit or stop)
        drained,         // the outgoing backlog fell as low as asked (connection::notify_when_drained)
        untrusted,       // the server's key is not trusted; `text` says why (unknown, changed),
                         // `key` is the fingerprint of an unknown one; the network thread stops
        unsent,          // a frame the UI sent did not go out: `text` is the frame, `number` why
                         // (unsent_down: no connection at that moment; unsent_full: the outgoing
                         // queue was at its bound because the server stopped reading;
                         // unsent_cut: still queued when the connection dropped)
    };

    kind what = kind::frame;
    chat::frame body;
    std::string text;
    std::int64_t number = 0;
    std::string key;  // untrusted: the fingerprint a user may choose to trust

    static constexpr std::int64_t unsent_down = 0;
    static constexpr std::int64_t unsent_full = 1;
    static constexpr std::int64_t unsent_cut = 2;

    // Only ordinary room messages may be dropped under overload; state changes never are.
    bool droppable() const { return what == kind::frame && body.type == "message"; }
};

}  // namespace chat::client
