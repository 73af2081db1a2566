// The wire format (docs/protocol.md): safe decoding of one line into a frame, name and text rules,
// and encoders for every frame. Nothing here throws on hostile input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "limits.hpp"

namespace chat {

using json = nlohmann::json;

// An error as sent on the wire: a stable code and a sentence for humans.
struct wire_error {
    std::string code;
    std::string message;
};

// A decoded frame: a JSON object with a string "type". Built only after the line passed the size,
// UTF-8 and depth checks, so it is safe to copy and dump.
struct frame {
    std::string type;
    json body;
};

// Either a frame or the error to answer.
struct decode_result {
    std::optional<frame> value;
    wire_error error;
    explicit operator bool() const { return value.has_value(); }
};

// Decodes one line (without '\n'). Checks, in order: UTF-8, nesting depth, JSON syntax, object
// with a string "type".
decode_result decode(std::string_view line, std::size_t max_depth);

// Deepest nesting of arrays/objects in `line`, scanning without building anything; stops counting
// past `cap`.
std::size_t nesting_depth(std::string_view line, std::size_t cap);

// Field accessors: nullopt (and `err` set to bad_frame naming the field) if missing or of the wrong
// type. The optional_* forms accept a missing field.
std::optional<std::string> get_string(const json& obj, const char* key, wire_error& err);
std::optional<std::int64_t> get_int(const json& obj, const char* key, wire_error& err);
bool optional_string(const json& obj, const char* key, std::string& out, wire_error& err);
bool optional_int(const json& obj, const char* key, std::optional<std::int64_t>& out, wire_error& err);
bool optional_bool(const json& obj, const char* key, bool& out, wire_error& err);

// Name and text rules. Each returns nullopt when valid, else the error to send.
std::optional<wire_error> check_nick(std::string_view nick, const limits& lim);
std::optional<wire_error> check_room(std::string_view room, const limits& lim);
std::optional<wire_error> check_text(std::string_view text, const limits& lim);
std::optional<wire_error> check_topic(std::string_view topic, const limits& lim);

// ASCII case folding for nick and room comparisons.
std::string fold(std::string_view name);

// Serialises a frame as one line with its trailing '\n'. Invalid UTF-8 is replaced, never thrown.
std::string encode(const json& frame);

// Milliseconds since the Unix epoch.
std::int64_t now_ms();

}  // namespace chat
