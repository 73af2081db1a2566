// The windows of the client: finding, opening and closing them, which one is current, switching
// between them, and adding lines to them. Plain functions of the model, shared by update and layout.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model.hpp"

namespace chat::client {

// Index of the window named `name` (case-insensitive), if open.
std::optional<std::size_t> find_window(const model& m, std::string_view name);

// Opens the window if needed and returns its index. Opening never changes the current window,
// except that the first window opened becomes current.
std::size_t open_window(model& m, std::string_view name, bool query);

void close_window(model& m, std::size_t index);

// The user now sees window `w`: its unread count goes, a "new" marker goes where it began.
void mark_read(window& w);

// Appends a line to a window: caps its length, counts unread lines, records it for line mode.
void add_line(model& m, window& w, chat_line line, bool print = true);

// Puts `line` in the place of `old`, one of w's lines (same position on screen), and tells the rest
// of the client about it as add_line does: line mode prints it, the log gets it.
void replace_line(model& m, window& w, chat_line& old, chat_line line);

// True if `text` names `nick` as a whole word, ignoring case.
bool mentions(std::string_view text, std::string_view nick);

bool same_nick(std::string_view a, std::string_view b);
bool has_member(const window& w, std::string_view nick);
void remove_member(window& w, std::string_view nick);

chat_line make_line(chat_line::kind k, std::string text);

// The window shown: the current room or conversation, or the status window when none is open.
window& current_window(model& m);
const window& current_window(const model& m);

// Adds a local line (info or error) to the current window.
void add_info(model& m, std::string text, chat_line::kind k = chat_line::kind::info);

// Makes window `index` current; it is marked read and the one left loses its "new" marker.
void switch_to(model& m, std::size_t index);
// The next (`step` 1) or previous (-1) window, wrapping around.
void next_window(model& m, int step);
// Switches to the window named `name`; false if none is open.
bool switch_to_name(model& m, std::string_view name);

// Back to the newest line.
void scroll_to_end(window& w);

}  // namespace chat::client
