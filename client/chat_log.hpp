// Logs on disk: one plain-text file per window, $XDG_DATA_HOME/chat/logs/<server>/<window>.log, each
// line with its local date and time; a file past its size cap moves to <window>.log.1.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"

namespace chat::client {

class chat_log {
public:
    // `dir` is the logs directory, `server` the host:port the logs are for (its subdirectory).
    chat_log(std::string dir, std::string_view server, std::uint64_t max_bytes);
    ~chat_log();
    chat_log(const chat_log&) = delete;
    chat_log& operator=(const chat_log&) = delete;

    // Appends one line to its window's file. False with `error` set when it cannot be written.
    bool write(const printed_line& p, std::string& error);
    // Pushes what was written to the files.
    void flush();

    // The file a window's log goes to.
    std::string path_of(std::string_view window) const;

private:
    struct file {
        std::string path;
        std::FILE* f = nullptr;
        std::uint64_t size = 0;
    };
    file* open_file(const std::string& path, std::string& error);

    std::string dir_;
    std::uint64_t max_bytes_;
    std::vector<file> files_;  // the most recently used last; a few at most are kept open
};

// A name made safe as one path component: letters, digits and "#._:-" kept, the rest '_', never
// starting with '.'.
std::string file_component(std::string_view name);

// The line as a log shows it: "2026-12-01 09:08:16 <alice> hi".
std::string log_text(const printed_line& p);

// Writes the lines waiting in m.to_log (the UI thread calls it after each batch of events). If a
// log cannot be written, logging stops and the current window says why.
void write_logs(model& m);

}  // namespace chat::client
