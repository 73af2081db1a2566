// The optional side panels (weechat's buflist and nicklist): the window list at the left, the
// current room's nick list at the right. Each is toggled by a key (Alt-Shift-B, Alt-Shift-N) or
// look.windowlist / look.nicklist, and gives way on a narrow terminal so the conversation keeps
// `min_pane_cols` columns. Only sizes and rows here; view.cpp draws them.
#pragma once

#include <vector>

#include "layout.hpp"
#include "model.hpp"

namespace chat::client {

// The conversation keeps at least this many columns; a panel that would take them is not drawn
// (the window list gives way first).
inline constexpr int min_pane_cols = 50;

struct panel_layout {
    int left = 0;         // columns of the window list, its separator included (0: not drawn)
    int right = 0;        // columns of the nick list, its separator included (0: not drawn)
    int pane_x = 0;       // where the message pane starts
    int pane_width = 0;   // and its width
    bool narrow = false;  // a panel that is on is not drawn for want of columns
};

// How a terminal `cols` wide is shared between the panels that are on and the message pane.
panel_layout layout_panels(const model& m, int cols);

// The rows of the window list, `width` columns (the separator not included), at most `height`.
std::vector<row> windowlist_rows(const model& m, int width, int height);
// The rows of the nick list of the current room: its members, sorted, at most `height` (the last
// saying how many more when they do not fit).
std::vector<row> nicklist_rows(const model& m, int width, int height);

}  // namespace chat::client
