// `chatd nicks`: the operator's view of nick ownership (feature tls_identity) in a state directory:
// list the bindings, release one. It works only while no chatd holds the directory, which keeps
// the bindings in memory and would neither see a change nor keep it.
#pragma once

#include <string>
#include <vector>

namespace chat {

// Runs `chatd nicks ARGS...` (the words after "nicks"), writing to `out` and `err`; the exit status:
// 0 done, 1 refused or failed (a sentence on `err`), 2 a usage error.
int run_nicks_command(const std::vector<std::string>& args, std::string& out, std::string& err);

}  // namespace chat
