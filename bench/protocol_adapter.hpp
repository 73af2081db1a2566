// What a benchmark client needs from a server's protocol: the bytes to register, join and send, and
// what a received line means. One workload then runs unchanged against chatd and IRC servers.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "options.hpp"

namespace bench {

class protocol_adapter {
public:
    // What a line from the server means to the workload.
    enum class event {
        other,       // anything the workload ignores (joins of others, names lists, notices)
        registered,  // registration accepted (chatd welcome, IRC 001)
        joined,      // our join of the bench room is complete
        message,     // a room message; `text` holds its text
        failed,      // the server refused us; `text` holds the line
    };

    virtual ~protocol_adapter() = default;

    virtual std::string hello(std::string_view nick) const = 0;
    virtual std::string join(std::string_view room) const = 0;
    // Appends one room message to `out` (hot path: no allocation when `out` has capacity).
    virtual void append_say(std::string& out, std::string_view room, std::string_view text) const = 0;

    // Classifies one line (without its line ending). `reply` is filled with bytes to send back
    // (keep-alive answers); `text` points into `line` for messages and failures.
    virtual event classify(std::string_view line, std::string_view room, std::string& reply,
                           std::string_view& text) const = 0;

    // chatd relays a message to its sender too; IRC servers do not.
    virtual bool echoes_to_sender() const = 0;
};

std::unique_ptr<protocol_adapter> make_chatd_adapter();
std::unique_ptr<protocol_adapter> make_irc_adapter();

}  // namespace bench
