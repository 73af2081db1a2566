#include "outgoing.hpp"

#include "protocol.hpp"
#include "utf8.hpp"

namespace chat::client::outgoing {

std::string hello(std::string_view nick, std::string_view password) {
    if (!password.empty()) {
        return chat::encode({{"type", "hello"}, {"version", chat::protocol_version}, {"nick", nick}, {"password", password}});
    }
    return chat::encode({{"type", "hello"}, {"version", chat::protocol_version}, {"nick", nick}});
}

namespace {

// A JSON string as nlohmann's dump writes it (quote, backslash and controls below 0x20 escaped,
// the rest as is) for text that is valid UTF-8.
void append_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

}  // namespace

std::string message(std::string_view target, bool query, std::string_view text, bool action) {
    // Every typed or piped line comes here: built directly, byte for byte what encoding a json
    // object writes (its keys in order), without building one. Invalid UTF-8 takes the slow way,
    // which replaces it.
    if (chat::utf8::valid(target) && chat::utf8::valid(text)) {
        std::string out;
        out.reserve(text.size() + target.size() + 48);
        out += action ? R"({"action":true,)" : R"({"action":false,)";
        out += query ? R"("text":)" : R"("room":)";
        append_string(out, query ? text : target);
        out += query ? R"(,"to":)" : R"(,"text":)";
        append_string(out, query ? target : text);
        out += query ? R"(,"type":"pm"})" : R"(,"type":"say"})";
        out += '\n';
        return out;
    }
    if (query) return chat::encode({{"type", "pm"}, {"to", target}, {"text", text}, {"action", action}});
    return chat::encode({{"type", "say"}, {"room", target}, {"text", text}, {"action", action}});
}

std::string join(std::string_view room, std::int64_t since) {
    json f = {{"type", "join"}, {"room", room}};
    if (since > 0) f["since"] = since;
    return chat::encode(f);
}

std::string part(std::string_view room, std::string_view reason) {
    json f = {{"type", "part"}, {"room", room}};
    if (!reason.empty()) f["reason"] = reason;
    return chat::encode(f);
}

std::string nick(std::string_view nick) { return chat::encode({{"type", "nick"}, {"nick", nick}}); }

std::string topic(std::string_view room) { return chat::encode({{"type", "topic"}, {"room", room}}); }

std::string set_topic(std::string_view room, std::string_view topic) {
    return chat::encode({{"type", "topic"}, {"room", room}, {"topic", topic}});
}

std::string who(std::string_view room) { return chat::encode({{"type", "who"}, {"room", room}}); }

std::string rooms() { return chat::encode({{"type", "rooms"}}); }

std::string history(std::string_view name, bool query, std::int64_t before, std::int64_t limit) {
    json f = {{"type", "history"}, {query ? "nick" : "room", name}, {"limit", limit}};
    if (before > 0) f["before"] = before;
    return chat::encode(f);
}

std::string search(std::string_view words, std::string_view room) {
    json f = {{"type", "search"}, {"words", words}};
    if (!room.empty()) f["room"] = room;
    return chat::encode(f);
}

std::string away(std::string_view reason) {
    json f = {{"type", "away"}};
    if (!reason.empty()) f["reason"] = reason;
    return chat::encode(f);
}

std::string ping(std::int64_t token) { return chat::encode({{"type", "ping"}, {"token", token}}); }

std::string pong(const json& ping) {
    json f = {{"type", "pong"}};
    if (auto it = ping.find("token"); it != ping.end() && (it->is_number_integer() || it->is_string())) f["token"] = *it;
    return chat::encode(f);
}

std::string quit(std::string_view reason) {
    json f = {{"type", "quit"}};
    if (!reason.empty()) f["reason"] = reason;
    return chat::encode(f);
}

}  // namespace chat::client::outgoing
