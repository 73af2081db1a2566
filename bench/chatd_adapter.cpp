// chatd's JSON-lines protocol (docs/protocol.md) seen from a benchmark client.
#include <protocol.hpp>

#include "protocol_adapter.hpp"
#include "text_marker.hpp"

namespace bench {
namespace {

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
        // Hot path: a relayed bench message. Only message frames carry the marker (no pm is sent),
        // and history replays are not live deliveries.
        if (const auto at = line.find(marker); at != std::string_view::npos) {
            if (line.find(R"("history":true)") != std::string_view::npos) return event::other;
            const auto end = line.find('"', at);
            text = line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
            return event::message;
        }
        // Join notices of others are the bulk of set-up traffic: skip them without parsing.
        const bool interesting = line.find("\"welcome\"") != std::string_view::npos ||
                                 line.find("\"joined\"") != std::string_view::npos ||
                                 line.find("\"error\"") != std::string_view::npos ||
                                 line.find("\"ping\"") != std::string_view::npos ||
                                 line.find("\"shutdown\"") != std::string_view::npos;
        if (!interesting) return event::other;
        const chat::json j = chat::json::parse(line, nullptr, false);
        if (!j.is_object()) return event::other;
        const std::string type = j.value("type", "");
        if (type == "welcome") return event::registered;
        if (type == "joined") {
            return chat::fold(j.value("room", "")) == chat::fold(room) ? event::joined : event::other;
        }
        if (type == "ping") {
            chat::json pong = {{"type", "pong"}};
            if (j.contains("token")) pong["token"] = j["token"];
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
