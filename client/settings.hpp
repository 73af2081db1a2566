// What the user chose in the config file (and /set, /notify, /ignore at run time): plain data the
// update functions and the view read. config.cpp reads and writes it; nothing here touches a disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::client {

// Which lines ring the bell and raise a desktop notification.
enum class notify_level { off, private_only, mention, all };

struct settings {
    // [server]: used when the command line does not say.
    std::string host;
    std::uint16_t port = 0;       // 0: the default, 7667
    std::string nick;
    std::string password_file;       // its first line is sent in hello (a server's --password-file)
    std::vector<std::string> rooms;  // joined after connecting (and after every reconnect)

    // [look]
    std::string timestamp = "%H:%M";  // strftime format of the time in front of each line
    std::string theme = "dark";       // dark | light | mono
    bool nicklist = false;            // the nick-list panel at the right
    bool windowlist = false;          // the window-list panel at the left
    bool mouse = false;               // the wheel scrolls; off so the terminal's selection works

    // [notify]
    notify_level notify = notify_level::mention;
    bool bell = true;                 // ring the terminal bell
    bool desktop = true;              // OSC 777 / OSC 9 desktop notification (passed through tmux)
    std::vector<std::string> highlights;  // more words that count as a mention

    // [log]
    bool log = true;
    std::uint64_t log_max_bytes = 4 * 1024 * 1024;  // a log past it is rotated to <room>.log.1

    // [ignore]
    std::vector<std::string> ignore;  // nicks whose messages and private messages are hidden
};

const char* notify_level_name(notify_level l);
// "off", "private", "mention", "all"; false for anything else.
bool parse_notify_level(std::string_view s, notify_level& out);

}  // namespace chat::client
