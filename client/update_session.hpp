// The part of update that keeps the session going: the welcome and rejoining after a reconnect,
// errors during registration, and taking our nick back when it is free.
#pragma once

#include <string>
#include <string_view>

#include "keys.hpp"
#include "protocol.hpp"
#include "update.hpp"

namespace chat::client {

void on_welcome(model& m, const json& body, effects& fx);

// An error while registering: fatal at start, or our nick taken on a reconnect (the next one is
// tried). False when the error is not about registration and is shown as any other.
bool on_registration_error(model& m, const std::string& code, const std::string& text, effects& fx);

// A key while the input line asks for the password (m.asking_password): typed into
// m.password_typed, Enter sends it (hello on the connection waiting for it, or a reconnect now),
// Esc leaves (fx.quit_frame set, m.fatal says why).
void password_key(model& m, const key& k, effects& fx);

// `nick` was let go (a nick change or a quit): if it is the one we wanted, ask for it back.
void nick_freed(model& m, std::string_view nick, effects& fx);

}  // namespace chat::client
