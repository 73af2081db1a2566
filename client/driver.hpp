// The glue between update() and the network thread that both faces of the client share:
// starting up (connect and register before any screen is drawn) and applying effects.
#pragma once

#include <chrono>
#include <string>

#include "connection.hpp"
#include "event_queue.hpp"
#include "model.hpp"
#include "update.hpp"

namespace chat::client {

// Sends what an update asked for. Returns true if it asked to quit.
bool apply(const effects& fx, connection& conn);

// Handles up to `max` queued events. Returns true when the network thread has stopped for good.
bool drain_events(model& m, event_queue& q, connection& conn, std::size_t max, bool& more);

// Connects and waits for the welcome (and the first joined room) or a fatal error, watching
// `signal_fd` so Ctrl-C still works. Returns false with `error` set if the client cannot start.
bool start_session(model& m, event_queue& q, connection& conn, int signal_fd, std::chrono::milliseconds timeout,
                   std::string& error);

// The quit frame for a way out the user did not type (a signal, end of input, a closed terminal):
// the model is updated exactly as for "/quit".
std::string quit_without_typing(model& m);

// Ends the process at once with `status`, stdio flushed, without stopping the network thread: for
// when that thread is inside a name lookup (see connection::resolving) and nothing is owed to the
// server. The caller gives the terminal back first.
[[noreturn]] void exit_during_lookup(int status);

// Sends quit and waits until the server closed the connection, or `grace` passed.
void finish_session(model& m, event_queue& q, connection& conn, std::string quit_frame, std::chrono::milliseconds grace);

}  // namespace chat::client
