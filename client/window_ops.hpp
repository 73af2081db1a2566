// Helpers shared by the update functions: finding windows and adding lines to them.
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

// True if `text` names `nick` as a whole word, ignoring case.
bool mentions(std::string_view text, std::string_view nick);

bool same_nick(std::string_view a, std::string_view b);
bool has_member(const window& w, std::string_view nick);
void remove_member(window& w, std::string_view nick);

chat_line make_line(chat_line::kind k, std::string text);

}  // namespace chat::client
