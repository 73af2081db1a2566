// The line being typed: code points with a cursor, editing keys, history, and horizontal scrolling.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "limits.hpp"

namespace chat::client {

class input_line {
public:
    explicit input_line(std::size_t history_cap = chat::client_bounds::input_history) : history_cap_(history_cap) {}

    // Inserts one typed code point; control characters are ignored, unprintable ones become U+FFFD.
    void insert(char32_t cp);
    // Inserts typed or pasted bytes; invalid UTF-8 is repaired, never refused.
    void insert_utf8(std::string_view bytes);
    // Inserts text that may hold line breaks (a paste put back): they stay, shown as a mark.
    void insert_text(std::string_view bytes);
    void clear();

    void left();
    void right();
    void home();
    void end();
    void backspace();
    void erase();          // Delete: the character under the cursor
    void erase_word();     // Ctrl-W: back to the start of the previous word
    void erase_to_start(); // Ctrl-U
    void history_up();
    void history_down();
    // The lines sent before, oldest first (Ctrl-R searches them).
    const std::deque<std::u32string>& history() const { return history_; }
    // Replaces the whole line (a history match, or the line put back after a search), cursor at the end.
    void set_text(std::u32string text);
    // Puts the cursor at `pos` (clamped to the line).
    void set_cursor(std::size_t pos);

    // Tab: completes the word before the cursor from `names` (case-insensitive prefix); pressed
    // again, cycles to the next match. At the start of the line `first_tail` follows the name (": "
    // after a nick, " " after a command), elsewhere a space. `ordered`: offer them in the order
    // given (most recently active first) instead of alphabetically.
    bool complete(const std::vector<std::string>& names, bool ordered = false, std::u32string_view first_tail = U": ");
    // The word before the cursor that Tab would complete (the one being cycled, while cycling), and
    // whether it starts the line.
    std::string completion_word(bool& at_start) const;

    // Takes the line as UTF-8, records it in the history and clears the line.
    std::string submit();

    bool empty() const { return text_.empty(); }
    const std::u32string& text() const { return text_; }
    std::size_t cursor() const { return cursor_; }
    std::string utf8() const;

    // Columns from the start of the line to the cursor, by wcwidth.
    std::size_t cursor_column() const;
    // Moves the visible window so the cursor fits in `width` columns; returns the first shown index.
    std::size_t fit(std::size_t width);
    std::size_t first_visible() const { return first_; }

    static std::size_t columns(char32_t cp);

private:
    std::u32string text_;
    std::size_t cursor_ = 0;
    std::size_t first_ = 0;
    std::deque<std::u32string> history_;
    std::size_t history_cap_;
    std::size_t history_pos_ = 0;  // == history_.size() while editing a new line
    std::u32string draft_;         // the unsent line kept while browsing the history

    // The completion in progress, so a second Tab replaces it with the next match.
    struct completion {
        bool active = false;
        std::size_t start = 0;       // where the completed word begins
        std::u32string prefix;       // what the user had typed
        std::size_t next = 0;        // index of the next match to offer
    };
    completion completion_;
    void edited() { completion_.active = false; }
};

}  // namespace chat::client
