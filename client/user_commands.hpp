// The commands of a daily user's habits: /set, /notify, /away and /back, /ignore and /unignore;
// and the server's away frames they lead to.
#pragma once

#include "commands.hpp"
#include "model.hpp"
#include "protocol.hpp"
#include "update.hpp"

namespace chat::client {

void on_user_command(model& m, const command& c, effects& fx);

// An `away` frame: the answer to ours, or the reason of someone we wrote to.
void on_away_frame(model& m, const json& body);

// " (away: reason)" for a member `who` listed in who.away, or "".
std::string away_note(const json& who_body, const std::string& nick);

}  // namespace chat::client
