// Encoders for the frames chatd sends; the per-message frames are hand-written because they are hot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol.hpp"

namespace chat::wire {

// Frames the server builds keep their fields in the order written, "type" first, as in the docs.
using out_json = nlohmann::ordered_json;

// One line with its '\n'; invalid UTF-8 is replaced, never thrown.
std::string encode(const out_json& frame);

// Appends `s` as a JSON string literal. `s` must be valid UTF-8 (everything relayed was decoded from
// validated JSON); only '"', '\\' and C0 controls need escaping.
void append_string(std::string& out, std::string_view s);

// {"type":"message",...,"history":false} with its '\n'. The line always ends in `"history":false}\n`
// so the history copy can be derived without re-encoding (see as_history).
std::string message(std::uint64_t id, std::string_view room, std::string_view from, std::int64_t ts,
                    std::string_view text, bool action);

// The same message line with "history":true.
std::string as_history(const std::string& live_line);

// With `offline` the frame ends in "offline":true (feature offline_pm): kept for a recipient who
// was not online, to its sender when stored and to its recipient at the next login.
std::string pm(std::uint64_t id, std::string_view from, std::string_view to, std::int64_t ts,
               std::string_view text, bool action, bool offline = false);

// {"type":"joined","room":..,"topic":..,"members":<members_json>,"history":N,"store":..} with its
// '\n', byte for byte what encode() makes of the same fields. `members_json` is an encoded array
// (room::members_json), copied as it is; the strings must be valid UTF-8.
// A quiet room (feature quiet_rooms) is `joined_quiet`: "members":[] and, after "store",
// "quiet":true,"count":<members>.
std::string joined(std::string_view room, std::string_view topic, std::string_view members_json,
                   std::size_t history, std::string_view store);
std::string joined_quiet(std::string_view room, std::string_view topic, std::size_t count, std::size_t history,
                         std::string_view store);

// {"type":"who","room":..,"members":<members_json>,"away":<away>} with its '\n'; `away` is an
// encoded object.
std::string who(std::string_view room, std::string_view members_json, std::string_view away);

// An error frame; `about`, `room` and `nick` are left out when empty.
std::string error(std::string_view code, std::string_view message, std::string_view about = {},
                  std::string_view room = {}, std::string_view nick = {});
inline std::string error(const wire_error& e, std::string_view about = {}, std::string_view room = {},
                         std::string_view nick = {}) {
    return error(e.code, e.message, about, room, nick);
}

// At most `max` bytes of `s`, cut on a code-point boundary, with control and invisible characters
// dropped: for free-form reasons that are relayed to others.
std::string clip(std::string_view s, std::size_t max);

// A name from a peer, echoed in an error: cut short, controls dropped.
inline std::string shown(std::string_view name) { return clip(name, 40); }

}  // namespace chat::wire
