// chatd's JSON-lines protocol (docs/protocol.md) seen from a benchmark client.
#include <algorithm>
#include <cstring>

#include <protocol.hpp>

#include "protocol_adapter.hpp"
#include "text_marker.hpp"

namespace bench {
namespace {

// First occurrence of `needle` in `hay` from `from`: memchr for its first byte, then a compare.
// Cheap when that byte is rare in the part scanned; callers keep the scanned part short.
std::size_t find_in(std::string_view hay, std::string_view needle, std::size_t from = 0) {
    const char* p = hay.data() + std::min(from, hay.size());
    const char* const end = hay.data() + hay.size();
    while (static_cast<std::size_t>(end - p) >= needle.size()) {
        p = static_cast<const char*>(std::memchr(p, needle.front(), static_cast<std::size_t>(end - p)));
        if (p == nullptr || static_cast<std::size_t>(end - p) < needle.size()) break;
        if (std::memcmp(p, needle.data(), needle.size()) == 0) return static_cast<std::size_t>(p - hay.data());
        ++p;
    }
    return std::string_view::npos;
}

// The bench marker inside a line ('c' is rare in a frame).
std::size_t find_marker(std::string_view line) { return find_in(line, marker); }

// A history replay, not a live delivery. chatd writes "history" last, so the line's end answers at
// once; any other field order falls back to a search of the whole line.
bool is_history(std::string_view line) {
    if (line.ends_with(R"("history":false})")) return false;
    if (line.ends_with(R"("history":true})")) return true;
    return find_in(line, R"("history":true)") != std::string_view::npos;
}

class chatd_adapter final : public protocol_adapter {
public:
    std::string hello(std::string_view nick) const override {
        return chat::encode({{"type", "hello"}, {"version", chat::protocol_version}, {"nick", nick}});
    }

    std::string join(std::string_view room) const override {
        return chat::encode({{"type", "join"}, {"room", room}});
    }

    // The bench text and room names never need JSON escaping (checked by make_text and the room
    // rule), so the frame is assembled by hand instead of building a json value per message.
    void append_say(std::string& out, std::string_view room, std::string_view text) const override {
        out += R"({"type":"say","room":")";
        out += room;
        out += R"(","text":")";
        out += text;
        out += "\"}\n";
    }

    event classify(std::string_view line, std::string_view room, std::string& reply,
                   std::string_view& text) const override {
        // One search per line: set-up brings O(N^2) join notices and the measured phase O(N*M)
        // messages, so the type is read from the raw line and only rare frames are parsed. An
        // unescaped `"type":"` cannot occur inside a JSON string, so the first one is the field.
        constexpr std::string_view type_key = R"("type":")";
        // chatd writes "type" first: a live message is recognised by its first bytes.
        constexpr std::string_view message_start = R"({"type":"message",)";
        const auto t = line.starts_with(message_start) ? 1 : find_in(line, type_key);
        if (t == std::string_view::npos) return event::other;
        const auto type_start = t + type_key.size();
        const std::string_view type = line.substr(type_start, line.find('"', type_start) - type_start);
        if (type == "message") {
            // Only bench messages carry the marker; history replays are not live deliveries.
            const auto at = find_marker(line);
            if (at == std::string_view::npos || is_history(line)) {
                return event::other;
            }
            const auto end = line.find('"', at);
            text = line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
            return event::message;
        }
        if (type == "welcome") return event::registered;
        if (type == "joined") {
            // Our own "joined" carries the whole member list: match the room without parsing it.
            std::string key = R"("room":")";
            key += room;
            key += '"';
            return find_in(line, key) != std::string_view::npos ? event::joined : event::other;
        }
        if (type == "ping") {
            const chat::json j = chat::json::parse(line, nullptr, false);
            chat::json pong = {{"type", "pong"}};
            if (j.is_object() && j.contains("token")) pong["token"] = j["token"];
            reply += chat::encode(pong);
            return event::other;
        }
        if (type == "error" || type == "shutdown") {
            text = line;
            return event::failed;
        }
        return event::other;
    }

    bool echoes_to_sender() const override { return true; }
};

}  // namespace

std::unique_ptr<protocol_adapter> make_chatd_adapter() { return std::make_unique<chatd_adapter>(); }

}  // namespace bench
