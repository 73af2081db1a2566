// Line mode: no screen, one printed line per event, stdin lines sent as messages or commands.
#pragma once

#include "connection.hpp"
#include "event_queue.hpp"
#include "model.hpp"

namespace chat::client {

// Prints the lines update() recorded and flushes stdout at once.
void print_pending_output(model& m);

// Runs until EOF on stdin, /quit, or a signal; returns the exit status.
int run_plain(model& m, event_queue& q, connection& conn, int signal_fd);

}  // namespace chat::client
