// Turning chat lines into styled screen rows: the pieces of a line and wrapping them by display
// width. No terminal here, so it is tested directly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"
#include "style.hpp"

namespace chat::client {

// A piece of a line drawn in one style.
struct run {
    std::string text;
    style look;
};
using row = std::vector<run>;

style nick_style(std::string_view nick);

// The styled pieces of one chat line as shown in window `w`, before wrapping.
std::vector<run> pieces(const model& m, const window& w, const chat_line& l);

// Wraps pieces into rows of at most `width` columns, at spaces where it can; rows after the first
// start with `indent` spaces (none when the indent would take half the width). A URL that would be
// cut starts a row of its own at the first column and continues on rows without the indent.
std::vector<row> wrap(const std::vector<run>& in, int width, int indent);

// Columns a row takes.
int row_width(const row& r);

// Columns of the hanging indent under the time stamp, for rows after a line's first.
inline constexpr int line_indent = 6;

// The rows line `index` of `w` takes at `width`, with what is drawn above it (a day boundary,
// the "new" marker) and, after the last line of history, the separator from live lines.
// `today` is day_key() of now.
std::vector<row> line_rows(const model& m, const window& w, std::size_t index, int width, int today);

// Scrolls `w` back (positive `rows`) or forward by screen rows, for a pane `height` rows high and
// `width` wide: a page of long wrapped messages moves one page, not one page of messages. Stops
// where the oldest line reaches the top of the pane, and at the end.
void scroll_rows(const model& m, window& w, long rows, int width, int height);

// How many lines are below the pane, not or not wholly shown.
std::size_t lines_below(const window& w);

// The status bar: `left` from the left edge, `right` (the connection state) at the right edge.
// What does not fit in `width` goes least useful first: the server address, then windows with
// nothing new, then words.
struct status_bar {
    std::vector<run> left;
    run right;
};
status_bar status_line(const model& m, int width);

// The offer shown for a paste waiting for Enter or Esc: what it is, how it will go out, and its
// first lines.
std::vector<row> paste_rows(const model& m, int width);

// The prompt before the input line ("#room> "), and the columns left for the text being typed in a
// terminal `width` wide: on a narrow screen the prompt gives way to the text.
std::string input_prompt(const model& m);
int input_room(const model& m, int width);

// The separator drawn under history replayed on joining, for a run of `count` history lines.
std::string history_separator(std::size_t count);

}  // namespace chat::client
