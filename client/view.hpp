// Draws the model: title bar, message pane, status bar, input line. Reads the model, never changes
// what the user sees as state (only the input line's horizontal scroll).
#pragma once

#include "model.hpp"
#include "terminal.hpp"

namespace chat::client {

// Rows of the message pane for a terminal of `rows` rows.
std::size_t pane_rows(int rows);

void draw(model& m, terminal& t);

}  // namespace chat::client
