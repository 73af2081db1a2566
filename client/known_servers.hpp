// $XDG_DATA_HOME/chat/known_servers: the servers' keys this user accepted, ssh known_hosts style.
// One "host:port SHA256:<base64>" per line ("[v6]:port" for IPv6); blank lines and '#' comments are
// ignored. The file is hostile input like any other: a malformed line is skipped and counted, never
// taken for a pin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chat::client {

struct known_server {
    std::string where;        // "host:port", host lower-cased
    std::string fingerprint;  // "SHA256:..."
    std::size_t line = 0;     // 1-based
};

struct known_servers {
    std::vector<known_server> entries;
    std::vector<std::size_t> bad_lines;  // 1-based numbers of lines that were not understood
};

// The key under which a server is remembered.
std::string server_key(std::string_view host, std::uint16_t port);

known_servers parse_known_servers(std::string_view text);

// What pinning says about the key a server presented.
struct pin_check {
    enum class verdict { trusted, unknown, changed } what = verdict::unknown;
    const known_server* pinned = nullptr;  // for `changed`: the entry that disagrees
};
pin_check check_pin(const known_servers& known, std::string_view where, std::string_view presented);

// The sentence shown when a pinned server presents another key: both fingerprints, the file and
// the line to remove if the change was expected. There is no way past it but editing the file.
std::string changed_key_message(const known_server& pinned, std::string_view presented, const std::string& path);

// Reads the file (a missing file is an empty list). Returns false with `error` set if it exists but
// cannot be read or is larger than any real list (1 MiB).
bool read_known_servers(const std::string& path, known_servers& out, std::string& error);

// Appends one pin (the file 0600 and its directories 0700 made if missing). Returns an error or "".
std::string add_known_server(const std::string& path, std::string_view where, std::string_view fingerprint);

// $XDG_DATA_HOME/chat (or ~/.local/share/chat); "" when neither variable is set.
std::string data_dir();

}  // namespace chat::client
