// A key press as the UI sees it, independent of ncurses (update_keys.cpp says what each key does).
#pragma once

#include <string>

namespace chat::client {

struct key {
    enum class type {
        none, character, enter, backspace, del, left, right, home, end, up, down, page_up, page_down,
        tab, ctrl, alt, function, resize,
        escape,  // a lone Esc
        paste,   // a bracketed paste: `text` holds it as the terminal sent it
        scroll_end,  // Ctrl-End, Alt-End: back to the newest line
        wheel_up, wheel_down,  // the mouse wheel, when look.mouse turned the terminal's mouse mode on
    };
    type what = type::none;
    char32_t cp = 0;  // the character; for ctrl/alt the letter or digit pressed with it; F-key number
    std::string text;        // paste: the bytes between the start and end markers
    bool cut_short = false;  // paste: the end marker never came
    bool too_big = false;    // paste: it passed the size cap; `text` holds its start
};

}  // namespace chat::client
