// Tab completion by context: a command at the start of the line, a #room, or a nick, the most
// recently active first (as ssh-chat does); Tab again cycles to the next.
#pragma once

#include <string>
#include <vector>

#include "model.hpp"

namespace chat::client {

// The candidates for `word` (what is typed before the cursor): commands, rooms or nicks.
std::vector<std::string> completion_candidates(const model& m, const std::string& word, bool at_start);

// Tab in the input line.
void complete_input(model& m);

}  // namespace chat::client
