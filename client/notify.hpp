// What a new line means to the reader: whether it is hidden (an ignored nick), the activity it gives
// its window in the status bar, whether it rings the bell, and the log line it becomes.
#pragma once

#include <string>
#include <string_view>

#include "model.hpp"

namespace chat::client {

// True if `nick` is on the ignore list (case-insensitive, as the server compares nicks).
bool is_ignored(const model& m, std::string_view nick);

// True if the line names us, or one of the highlight words, as a whole word.
bool is_mention(const model& m, const chat_line& l);

// add_line calls this for every line it adds to `w` (`print`: the line's first showing, not the
// copy of a private message in the room being looked at).
void note_line(model& m, window& w, const chat_line& l, bool is_current, bool print);

// The bytes that announce `a` on a terminal: a bell and/or the OSC 777 and OSC 9 desktop
// notifications, wrapped in tmux's passthrough when `in_tmux`.
std::string alert_bytes(const alert& a, bool bell, bool desktop, bool in_tmux);

// What the alerts waiting in `m` send to the terminal (one bell however many there are, a desktop
// notification each, the ones past the cap as one "N more"); empties them.
std::string take_alerts(model& m, bool in_tmux);

}  // namespace chat::client
