#include "outgoing.hpp"

#include "protocol.hpp"

namespace chat::client::outgoing {

std::string hello(std::string_view nick) {
    return chat::encode({{"type", "hello"}, {"version", chat::protocol_version}, {"nick", nick}});
}

std::string message(std::string_view target, bool query, std::string_view text, bool action) {
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
