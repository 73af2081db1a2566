// What `chat` does without a host: ask the LAN (discover.hpp), then connect to the one server that
// answered, the one --server names, or the one picked from a full-screen list; in line mode several
// servers are listed on stderr instead (status 2). Nothing found is one line on stderr within 2 s.
#pragma once

#include <string>

#include "chat_options.hpp"

namespace chat::client {

// Fills o.host and o.port from the LAN and returns -1 to go on connecting (`note` says what was
// found, also on stderr), or the status to exit with after saying why on stderr.
int choose_server(options& o, bool plain, int signal_fd, std::string& note);

// `chat --list`: one line per server on stdout; status 0, or 1 (and a line on stderr) if none.
int list_servers(const options& o, int signal_fd);

}  // namespace chat::client
