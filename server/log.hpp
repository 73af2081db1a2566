// The server's log: one timestamped line per event on stdout, flushed at once, safe for terminals.
#pragma once

#include <string>
#include <string_view>

namespace chat {

class logger {
public:
    explicit logger(bool quiet = false, bool enabled = true) : quiet_(quiet), enabled_(enabled) {}

    // An event about the whole server (start, stop, limit hits); always written.
    void info(std::string_view msg) const;

    // A per-connection event (connect, disconnect); suppressed by --quiet.
    void conn(std::string_view msg) const;

    // Text from the network made safe for a log line: control and non-ASCII bytes escaped as \xNN,
    // at most `max` input bytes kept ("..." marks the cut).
    static std::string field(std::string_view raw, std::size_t max = 64);

    // The current time as ISO-8601 UTC with milliseconds, e.g. 2025-11-25T16:30:00.123Z.
    static std::string timestamp();

private:
    bool quiet_;
    bool enabled_;
};

}  // namespace chat
