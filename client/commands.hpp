// What a typed line asks for: a message, or one of the slash commands, parsed but not yet acted on.
#pragma once

#include <string>
#include <string_view>

namespace chat::client {

struct command {
    enum class kind {
        none,     // an empty line: nothing to do
        say,      // text to the current window (room or private conversation)
        me,       // /me action
        join,     // /join #room
        part,     // /part [#room] [reason]
        rooms,    // /rooms
        who,      // /who [#room]
        topic,    // /topic [text]; an empty `text` with has_text asks to clear it
        nick,     // /nick new
        msg,      // /msg nick text
        query,    // /query nick: open a private conversation window
        win,      // /win N or /switch #room|nick
        help,     // /help
        quit,     // /quit [reason]
        clear,    // /clear: empty the current window
        reconnect,  // /reconnect: while disconnected, try again now
        set,      // /set [key [value]]: show or change a setting
        notify,   // /notify [off|private|mention|all]
        away,     // /away [reason]: without one, back
        back,     // /back
        ignore,   // /ignore [nick]: without one, lists
        unignore, // /unignore nick
        search,   // /search words [#room]: `text` the words, `target` the room (may be empty)
        error,    // could not be parsed; `text` says why
    };

    kind what = kind::none;
    std::string target;  // room, nick or window named by the command
    std::string text;    // message text, reason, or topic
    bool has_text = false;
};

// Parses one line typed by the user. "//text" sends "/text" as a message.
command parse_command(std::string_view line);

// "#rust" for "rust" and "#rust"; other text unchanged.
std::string room_name(std::string_view word);

// One line per command, for /help.
const char* help_text();

}  // namespace chat::client
