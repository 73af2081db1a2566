// A key press as the UI sees it, independent of ncurses (update_keys.cpp says what each key does).
#pragma once

namespace chat::client {

struct key {
    enum class type {
        none, character, enter, backspace, del, left, right, home, end, up, down, page_up, page_down,
        tab, ctrl, alt, function, resize,
    };
    type what = type::none;
    char32_t cp = 0;  // the character; for ctrl/alt the letter or digit pressed with it; F-key number
};

}  // namespace chat::client
