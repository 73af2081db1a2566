// Splits a byte stream into '\n'-terminated lines, with a hard cap on line length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat {

class line_splitter {
public:
    enum class status { line, need_more, too_long };

    explicit line_splitter(std::size_t max_line) : max_line_(max_line) {}

    // Appends bytes read from the peer.
    void feed(std::string_view bytes);

    // Takes the next complete line (without "\n" or a trailing "\r"); empty lines are skipped.
    // `too_long` means a line passed the cap: the stream cannot be trusted any more.
    status next(std::string& line);

    std::size_t buffered() const { return buf_.size() - pos_; }

    // Frees the buffer's memory when it holds no unconsumed bytes (for idle connections).
    void release_if_empty();

private:
    std::string buf_;
    std::size_t pos_ = 0;   // start of the unconsumed bytes in buf_
    std::size_t scan_ = 0;  // bytes after pos_ already known to hold no '\n'
    std::size_t max_line_;
};

}  // namespace chat
