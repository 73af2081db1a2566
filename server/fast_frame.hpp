// A hot client frame (say or pm) read by a small hand-written scanner instead of a JSON library:
// only the common shape is taken, and anything doubtful is left to chat::decode().
#pragma once

#include <string>
#include <string_view>

namespace chat {

struct fast_frame {
    enum class kind { say, pm };
    kind type = kind::say;
    std::string room;  // say: the room
    std::string to;    // pm: the recipient
    std::string text;
    bool action = false;
};

// True when `line` is a flat JSON object (string, bool, null and small integer values; simple
// escapes; no repeated "type", "room", "to", "text" or "action") of type say or pm that decode()
// accepts, with every field the frame needs present and of the right type. `out` then holds exactly
// what decode() and the field getters would give. False means "not sure", never "invalid": the caller
// falls back to decode(), so errors are always worded by the one slow path. `out`'s strings are reused
// from call to call, so a busy sender costs no allocations here.
bool fast_decode(std::string_view line, fast_frame& out);

}  // namespace chat
