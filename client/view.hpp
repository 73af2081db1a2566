// Draws the model: title bar, message pane, status bar, input line. Reads the model and changes
// nothing: the input line's horizontal scroll is chosen before, by fit_input (update).
#pragma once

#include "model.hpp"
#include "terminal.hpp"

namespace chat::client {

// Rows of the message pane for a terminal of `rows` rows.
std::size_t pane_rows(int rows);

void draw(const model& m, terminal& t);

}  // namespace chat::client
