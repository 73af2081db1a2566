#include "commands.hpp"

#include <algorithm>
#include <cctype>

namespace chat::client {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits off the first word; `rest` is what follows, trimmed.
std::string_view first_word(std::string_view s, std::string_view& rest) {
    s = trim(s);
    const auto end = s.find_first_of(" \t");
    if (end == std::string_view::npos) {
        rest = {};
        return s;
    }
    rest = trim(s.substr(end));
    return s.substr(0, end);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

command make(command::kind k, std::string target = {}, std::string text = {}) {
    command c;
    c.what = k;
    c.target = std::move(target);
    c.has_text = !text.empty();
    c.text = std::move(text);
    return c;
}

command error(std::string why) { return make(command::kind::error, {}, std::move(why)); }

}  // namespace

std::string room_name(std::string_view word) {
    if (!word.empty() && word.front() == '#') return std::string(word);
    return "#" + std::string(word);
}

command parse_command(std::string_view line) {
    if (trim(line).empty()) return {};
    if (line.front() != '/') return make(command::kind::say, {}, std::string(line));
    if (line.size() > 1 && line[1] == '/') return make(command::kind::say, {}, std::string(line.substr(1)));

    std::string_view rest;
    const std::string name = lower(first_word(line.substr(1), rest));
    std::string_view after;
    const std::string_view arg = first_word(rest, after);

    using k = command::kind;
    if (name == "me") {
        if (rest.empty()) return error("usage: /me <action>");
        return make(k::me, {}, std::string(rest));
    }
    if (name == "join" || name == "j") {
        if (arg.empty()) return error("usage: /join #room");
        // "/join bad room" would otherwise join #bad without a word about the rest.
        if (!after.empty()) return error("a room name has no spaces: /join #room (one room at a time)");
        return make(k::join, room_name(arg));
    }
    if (name == "part" || name == "leave" || name == "close") {
        if (!arg.empty() && arg.front() == '#') return make(k::part, std::string(arg), std::string(after));
        return make(k::part, {}, std::string(rest));
    }
    if (name == "rooms" || name == "list") return make(k::rooms);
    if (name == "who" || name == "names") {
        return make(k::who, arg.empty() ? std::string() : room_name(arg));
    }
    if (name == "topic") {
        command c = make(k::topic, {}, std::string(rest));
        // An empty topic clears it on the server; "/topic" alone only asks what it is.
        if (rest == "-clear") {
            c.text.clear();
            c.has_text = true;
        }
        return c;
    }
    if (name == "nick") {
        if (arg.empty() || !after.empty()) return error("usage: /nick <new-nick>");
        return make(k::nick, std::string(arg));
    }
    if (name == "msg" || name == "m" || name == "pm") {
        if (arg.empty() || after.empty()) return error("usage: /msg <nick> <text>");
        return make(k::msg, std::string(arg), std::string(after));
    }
    if (name == "query" || name == "q") {
        if (arg.empty()) return error("usage: /query <nick>");
        return make(k::query, std::string(arg), std::string(after));
    }
    if (name == "win" || name == "w" || name == "switch" || name == "window") {
        if (arg.empty()) return error("usage: /switch #room, /switch <nick> or /win <number>");
        return make(k::win, std::string(arg));
    }
    if (name == "help" || name == "h" || name == "?") return make(k::help);
    if (name == "quit" || name == "exit" || name == "bye") return make(k::quit, {}, std::string(rest));
    if (name == "clear") {
        if (!rest.empty()) return error("usage: /clear (no arguments: it empties the current window)");
        return make(k::clear);
    }
    // An argument here is a slip: refused, not ignored.
    if (name == "reconnect") return rest.empty() ? make(k::reconnect) : error("usage: /reconnect (no arguments)");
    if (name == "set") return make(k::set, std::string(arg), std::string(after));
    if (name == "notify") {
        if (!after.empty()) return error("usage: /notify [off|private|mention|all]");
        return make(k::notify, std::string(arg));
    }
    if (name == "away") return make(k::away, {}, std::string(rest));
    if (name == "back") return make(k::back);
    if (name == "ignore") {
        if (!after.empty()) return error("usage: /ignore <nick> (one nick at a time)");
        return make(k::ignore, std::string(arg));
    }
    if (name == "unignore") {
        if (arg.empty() || !after.empty()) return error("usage: /unignore <nick>");
        return make(k::unignore, std::string(arg));
    }
    if (name == "search" || name == "find") {
        std::string_view words = rest;
        std::string room;
        // A last word that is a room name limits the search to that room.
        const auto space = words.find_last_of(' ');
        const std::string_view last = space == std::string_view::npos ? words : words.substr(space + 1);
        if (last.size() > 1 && last.front() == '#') {
            room = std::string(last);
            words = space == std::string_view::npos ? std::string_view() : words.substr(0, space);
            while (!words.empty() && words.back() == ' ') words.remove_suffix(1);
        }
        if (words.empty()) return error("usage: /search words [#room]");
        return make(k::search, room, std::string(words));
    }
    return error("unknown command /" + name + " (try /help)");
}

const char* help_text() {
    // Two columns: rows that wrap continue under the second one.
    return "commands:\n"
           "/join #room          join a room (the '#' may be left out)\n"
           "/part [reason]       leave the current room, or close a private conversation\n"
           "/switch #room|nick   go to a window; /win N goes to window N\n"
           "/msg nick text       send a private message; /query nick opens a window for it\n"
           "/me action           send an action, shown as '* nick action'\n"
           "/topic [text]        show the room's topic, or set it; /topic -clear clears it\n"
           "/who [#room]         list the members of a room\n"
           "/rooms               list all rooms with member counts and topics\n"
           "/nick new            change your nick\n"
           "/search words [#room] find stored messages with all these words, newest first\n"
           "/clear               empty the current window\n"
           "/reconnect           while disconnected, try again now instead of waiting\n"
           "/away [reason]       mark yourself away (others see it in /who); /back, or /away alone, ends it\n"
           "/ignore [nick]       hide a nick's messages (saved in the config file); /unignore nick\n"
           "/notify [level]      bell and desktop notifications: off, private, mention or all\n"
           "/set [key [value]]   show the settings, one of them, or change it for this run\n"
           "/quit [reason]       leave (also Ctrl-C, or Ctrl-D on an empty line)\n"
           "//text               send a line that starts with '/'\n"
           "keys:\n"
           "Alt-1..9, Ctrl-N/P   switch windows\n"
           "PgUp / PgDn          scroll back / forward; PgUp at the top fetches older stored messages\n"
           "Up / Down            lines typed before\n"
           "Ctrl-R               search this window (input empty) or the lines typed before; Esc leaves\n"
           "Tab                  complete a command, a #room or a nick (again: the next one)\n"
           "Alt-Shift-N / -B     show or hide the nick list / the window list\n"
           "Ctrl-W / Ctrl-U      erase a word / to the start of the line\n"
           "Ctrl-Z               suspend; 'fg' in the shell comes back\n"
           "Ctrl-L               redraw the screen";
}

}  // namespace chat::client
