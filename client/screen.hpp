// Full-screen mode: the ncurses UI loop (keys, network events, signals, redraws). Line mode, for
// scripts, is line_mode.hpp.
#pragma once

#include "connection.hpp"
#include "event_queue.hpp"
#include "model.hpp"

namespace chat::client {

// Runs the full-screen UI until the user quits or a stop signal; returns the exit status.
int run_screen(model& m, event_queue& q, connection& conn, int signal_fd);

}  // namespace chat::client
