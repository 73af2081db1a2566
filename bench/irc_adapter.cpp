// The IRC client protocol (RFC 1459/2812 subset: NICK, USER, JOIN, PRIVMSG, PING) seen from a
// benchmark client, for ngIRCd and InspIRCd.
#include <protocol.hpp>

#include "protocol_adapter.hpp"
#include "text_marker.hpp"

namespace bench {
namespace {

// The command word of a line, after an optional ":prefix ".
std::string_view command_of(std::string_view line, std::string_view& rest) {
    if (!line.empty() && line.front() == ':') {
        const auto sp = line.find(' ');
        if (sp == std::string_view::npos) return {};
        line.remove_prefix(sp + 1);
    }
    const auto sp = line.find(' ');
    rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    return line.substr(0, sp);
}

class irc_adapter final : public protocol_adapter {
public:
    std::string hello(std::string_view nick) const override {
        std::string s = "NICK ";
        s += nick;
        s += "\r\nUSER ";
        s += nick;
        s += " 0 * :chat-bench\r\n";
        return s;
    }

    std::string join(std::string_view room) const override {
        return "JOIN " + std::string(room) + "\r\n";
    }

    void append_say(std::string& out, std::string_view room, std::string_view text) const override {
        out += "PRIVMSG ";
        out += room;
        out += " :";
        out += text;
        out += "\r\n";
    }

    event classify(std::string_view line, std::string_view room, std::string& reply,
                   std::string_view& text) const override {
        std::string_view rest;
        const std::string_view cmd = command_of(line, rest);
        if (cmd == "PRIVMSG") {
            const auto colon = rest.find(" :");
            if (colon == std::string_view::npos) return event::other;
            text = rest.substr(colon + 2);
            return text.starts_with(marker) ? event::message : event::other;
        }
        if (cmd == "PING") {
            reply += "PONG ";
            reply += rest;
            reply += "\r\n";
            return event::other;
        }
        if (cmd == "001") return event::registered;
        if (cmd == "366") {
            // ":server 366 nick #room :End of NAMES list"
            const auto sp = rest.find(' ');
            const auto chan = rest.substr(sp + 1, rest.find(' ', sp + 1) - sp - 1);
            return chat::fold(chan) == chat::fold(room) ? event::joined : event::other;
        }
        if (cmd == "ERROR" || cmd == "432" || cmd == "433" || cmd == "465" || cmd == "471" ||
            cmd == "473" || cmd == "474" || cmd == "475" || cmd == "403" || cmd == "405") {
            text = line;
            return event::failed;
        }
        return event::other;
    }

    bool echoes_to_sender() const override { return false; }
};

}  // namespace

std::unique_ptr<protocol_adapter> make_irc_adapter() { return std::make_unique<irc_adapter>(); }

}  // namespace bench
