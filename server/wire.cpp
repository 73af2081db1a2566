#include "wire.hpp"

#include <array>
#include <charconv>

#include "ascii_scan.hpp"
#include "utf8.hpp"

namespace chat::wire {

namespace {

constexpr std::string_view history_false = ",\"history\":false}\n";
constexpr std::string_view history_true = ",\"history\":true}\n";

void append_int(std::string& out, std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

// Bytes a JSON string must escape: '"', '\\' and C0 controls. A table keeps the common byte to one
// lookup; every relayed text goes through here once per message.
constexpr std::array<bool, 256> needs_escape = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
    t['"'] = true;
    t['\\'] = true;
    return t;
}();

void append_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = ascii::json_unescaped_prefix(s); i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (!needs_escape[c]) continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

namespace {

// The shape message and pm share: {"type":..,"id":N,<k1>:"v1",<k2>:"v2","ts":N,"text":"..",
// "action":B then `tail`. `head` holds everything up to the id's digits.
std::string text_frame(std::string_view head, std::uint64_t id, std::string_view k1, std::string_view v1,
                       std::string_view k2, std::string_view v2, std::int64_t ts, std::string_view text, bool action,
                       std::string_view tail) {
    std::string out;
    out.reserve(96 + v1.size() + v2.size() + text.size());
    out += head;
    append_uint(out, id);
    out += k1;
    append_string(out, v1);
    out += k2;
    append_string(out, v2);
    out += ",\"ts\":";
    append_int(out, ts);
    out += ",\"text\":";
    append_string(out, text);
    out += action ? ",\"action\":true" : ",\"action\":false";
    out += tail;
    return out;
}

}  // namespace

std::string message(std::uint64_t id, std::string_view room, std::string_view from, std::int64_t ts,
                    std::string_view text, bool action) {
    return text_frame("{\"type\":\"message\",\"id\":", id, ",\"room\":", room, ",\"from\":", from, ts, text,
                      action, history_false);
}

std::string as_history(const std::string& live_line) {
    std::string out;
    out.reserve(live_line.size());
    out.append(live_line, 0, live_line.size() - history_false.size());
    out += history_true;
    return out;
}

std::string pm(std::uint64_t id, std::string_view from, std::string_view to, std::int64_t ts,
               std::string_view text, bool action, bool offline) {
    return text_frame("{\"type\":\"pm\",\"id\":", id, ",\"from\":", from, ",\"to\":", to, ts, text, action,
                      offline ? ",\"offline\":true}\n" : "}\n");
}

std::string joined(std::string_view room, std::string_view topic, std::string_view members_json,
                   std::size_t history, std::string_view store) {
    std::string out;
    out.reserve(80 + room.size() + topic.size() + members_json.size() + store.size());
    out += "{\"type\":\"joined\",\"room\":";
    append_string(out, room);
    out += ",\"topic\":";
    append_string(out, topic);
    out += ",\"members\":";
    out += members_json;
    out += ",\"history\":";
    append_uint(out, history);
    out += ",\"store\":";
    append_string(out, store);
    out += "}\n";
    return out;
}

std::string joined_quiet(std::string_view room, std::string_view topic, std::size_t count, std::size_t history,
                         std::string_view store) {
    std::string out = joined(room, topic, "[]", history, store);
    out.resize(out.size() - 2);  // "}\n"
    out += ",\"quiet\":true,\"count\":";
    append_uint(out, count);
    out += "}\n";
    return out;
}

std::string who(std::string_view room, std::string_view members_json, std::string_view away) {
    std::string out;
    out.reserve(48 + room.size() + members_json.size() + away.size());
    out += "{\"type\":\"who\",\"room\":";
    append_string(out, room);
    out += ",\"members\":";
    out += members_json;
    out += ",\"away\":";
    out += away;
    out += "}\n";
    return out;
}

std::string error(std::string_view code, std::string_view message, std::string_view about,
                  std::string_view room, std::string_view nick) {
    out_json j = {{"type", "error"}, {"code", code}, {"message", message}};
    if (!about.empty()) j["about"] = about;
    if (!room.empty()) j["room"] = room;
    if (!nick.empty()) j["nick"] = nick;
    return encode(j);
}

std::string encode(const out_json& frame) {
    std::string s = frame.dump(-1, ' ', false, out_json::error_handler_t::replace);
    s += '\n';
    return s;
}

std::string clip(std::string_view s, std::size_t max) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t start = i;
        const char32_t cp = utf8::decode(s, i);
        const bool malformed = cp == utf8::replacement && i - start == 1;
        if (malformed || utf8::is_control(cp) || utf8::is_invisible(cp)) continue;
        if (out.size() + (i - start) > max) break;
        out.append(s.data() + start, i - start);
    }
    return out;
}

}  // namespace chat::wire
