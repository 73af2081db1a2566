// A key press as the UI sees it, independent of ncurses, and what each key does to the model.
#pragma once

#include <cstddef>

#include "model.hpp"
#include "update.hpp"

namespace chat::client {

struct key {
    enum class type {
        none, character, enter, backspace, del, left, right, home, end, up, down, page_up, page_down,
        tab, ctrl, alt, function, resize,
    };
    type what = type::none;
    char32_t cp = 0;  // the character; for ctrl/alt the letter or digit pressed with it; F-key number
};

// Applies one key. `page_rows` and `page_cols` are the size of the message pane, for PgUp/PgDn.
// Returns true if the key asked to quit (the quit frame is then in `fx`). `redraw_all` is set for
// Ctrl-L.
bool on_key(model& m, const key& k, std::size_t page_rows, int page_cols, effects& fx, bool& redraw_all);

}  // namespace chat::client
