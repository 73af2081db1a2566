// Signals turned into bytes on a pipe, so the UI's poll() sees them; handlers do nothing else.
#pragma once

namespace chat::client {

// Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGWINCH (without SA_RESTART) and ignores
// SIGPIPE. Returns the read end of the pipe, or -1.
int install_signal_pipe();

// Reads what is waiting on the pipe; true if a stop signal (INT, TERM, HUP) came, and
// `resized` true if SIGWINCH came.
bool drain_signals(int fd, bool& resized);

}  // namespace chat::client
