#include "protocol.hpp"

#include <chrono>

#include "utf8.hpp"

namespace chat {

std::size_t nesting_depth(std::string_view line, std::size_t cap) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > cap) return deepest;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

decode_result decode(std::string_view line, std::size_t max_depth) {
    decode_result r;
    if (!utf8::valid(line)) {
        r.error = {"bad_utf8", "the frame is not valid UTF-8"};
        return r;
    }
    if (nesting_depth(line, max_depth) > max_depth) {
        r.error = {"too_deep", "the frame nests arrays or objects deeper than " + std::to_string(max_depth)};
        return r;
    }
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        // parse() without exceptions cannot say why; distinguish out-of-range numbers for the peer.
        try {
            [[maybe_unused]] const json again = json::parse(line);
        } catch (const json::out_of_range&) {
            r.error = {"bad_value", "a number in the frame is out of range"};
            return r;
        } catch (const json::exception&) {
        }
        r.error = {"bad_json", "the frame is not valid JSON"};
        return r;
    }
    if (!j.is_object()) {
        r.error = {"bad_frame", "a frame must be a JSON object"};
        return r;
    }
    const auto it = j.find("type");
    if (it == j.end() || !it->is_string()) {
        r.error = {"bad_frame", "the frame has no string field \"type\""};
        return r;
    }
    r.value = frame{it->get<std::string>(), std::move(j)};
    return r;
}

namespace {

wire_error field_error(const char* key, const char* what) {
    return {"bad_frame", std::string("field \"") + key + "\" " + what};
}

}  // namespace

std::optional<std::string> get_string(const json& obj, const char* key, wire_error& err) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
        err = field_error(key, "is missing");
        return std::nullopt;
    }
    if (!it->is_string()) {
        err = field_error(key, "must be a string");
        return std::nullopt;
    }
    return it->get<std::string>();
}

std::optional<std::int64_t> get_int(const json& obj, const char* key, wire_error& err) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
        err = field_error(key, "is missing");
        return std::nullopt;
    }
    if (it->is_number_integer() && !(it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)) {
        return it->get<std::int64_t>();
    }
    err = field_error(key, "must be an integer");
    return std::nullopt;
}

bool optional_string(const json& obj, const char* key, std::string& out, wire_error& err) {
    if (!obj.contains(key)) return true;
    auto v = get_string(obj, key, err);
    if (!v) return false;
    out = std::move(*v);
    return true;
}

bool optional_int(const json& obj, const char* key, std::optional<std::int64_t>& out, wire_error& err) {
    if (!obj.contains(key)) return true;
    out = get_int(obj, key, err);
    return out.has_value();
}

bool optional_bool(const json& obj, const char* key, bool& out, wire_error& err) {
    const auto it = obj.find(key);
    if (it == obj.end()) return true;
    if (!it->is_boolean()) {
        err = field_error(key, "must be true or false");
        return false;
    }
    out = it->get<bool>();
    return true;
}

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

// A short, printable rendering of a rejected name for error messages.
std::string shown(std::string_view s) {
    std::string clean = utf8::sanitize(s.substr(0, 40));
    if (s.size() > 40) clean += "...";
    return clean;
}

}  // namespace

std::optional<wire_error> check_nick(std::string_view nick, const limits& lim) {
    if (nick.empty()) return wire_error{"invalid_nick", "a nick cannot be empty"};
    if (nick.size() > lim.max_nick) {
        return wire_error{"invalid_nick", "a nick is at most " + std::to_string(lim.max_nick) + " bytes"};
    }
    for (const char c : nick) {
        if (!name_char(c)) {
            return wire_error{"invalid_nick", "\"" + shown(nick) +
                                                  "\" is not a valid nick: use letters, digits, _ - and ."};
        }
    }
    if (nick[0] == '-' || nick[0] == '.') {
        return wire_error{"invalid_nick", "a nick cannot start with - or ."};
    }
    const std::string f = fold(nick);
    if (f == "server" || f == "chatd" || f == "system" || f == "admin") {
        return wire_error{"invalid_nick", "the nick " + std::string(nick) + " is reserved"};
    }
    return std::nullopt;
}

std::optional<wire_error> check_room(std::string_view room, const limits& lim) {
    if (room.size() < 2 || room[0] != '#') {
        return wire_error{"invalid_room", "\"" + shown(room) + "\" is not a room name: rooms start with #, like #lobby"};
    }
    if (room.size() - 1 > lim.max_room_name) {
        return wire_error{"invalid_room",
                          "a room name is at most " + std::to_string(lim.max_room_name) + " bytes after #"};
    }
    for (const char c : room.substr(1)) {
        if (!name_char(c)) {
            return wire_error{"invalid_room", "\"" + shown(room) +
                                                  "\" is not a valid room name: use letters, digits, _ - and ."};
        }
    }
    return std::nullopt;
}

std::optional<wire_error> check_text(std::string_view text, const limits& lim) {
    if (text.empty()) return wire_error{"empty_text", "the message is empty"};
    if (text.size() > lim.max_text) {
        return wire_error{"text_too_long", "a message is at most " + std::to_string(lim.max_text) + " bytes"};
    }
    std::size_t i = 0;
    std::size_t lines = 1;
    while (i < text.size()) {
        const char32_t cp = utf8::decode(text, i);
        if (cp == '\n') {
            ++lines;
        } else if (cp != '\t' && utf8::is_control(cp)) {
            return wire_error{"bad_text", "the message contains control characters (only line breaks and tabs may be sent)"};
        }
    }
    if (lines > lim.max_lines) {
        return wire_error{"too_many_lines", "a message is at most " + std::to_string(lim.max_lines) + " lines"};
    }
    return std::nullopt;
}

std::optional<wire_error> check_topic(std::string_view topic, const limits& lim) {
    if (topic.size() > lim.max_topic) {
        return wire_error{"topic_too_long", "a topic is at most " + std::to_string(lim.max_topic) + " bytes"};
    }
    std::size_t i = 0;
    while (i < topic.size()) {
        const char32_t cp = utf8::decode(topic, i);
        if (utf8::is_control(cp) || utf8::is_invisible(cp)) {
            return wire_error{"bad_topic", "the topic contains control or invisible characters"};
        }
    }
    return std::nullopt;
}

std::string fold(std::string_view name) {
    std::string out(name);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string encode(const json& frame) {
    std::string s = frame.dump(-1, ' ', false, json::error_handler_t::replace);
    s += '\n';
    return s;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace chat
