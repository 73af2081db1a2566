// Gathering a bracketed paste from the terminal's bytes, after its start marker ("ESC [200~") up to
// its end marker ("ESC [201~"), with a size cap. No curses here: terminal.cpp feeds it what getch()
// returns, and fuzz/fuzz_paste.cpp feeds it anything.
#pragma once

#include <cstddef>
#include <string>

#include "keys.hpp"

namespace chat::client {

inline constexpr std::string_view paste_end_marker = "\x1b[201~";

class paste_bytes {
public:
    explicit paste_bytes(std::size_t cap) : cap_(cap) {}

    // One byte of the paste; true once the end marker is complete (it is not part of the text).
    bool feed(char c);
    // A key code curses made of pasted bytes (an arrow's escape sequence): not text. Enter is a line
    // break; anything else is kept as one ESC, so the paste says a control character was left out.
    void feed_key(bool enter);

    // The paste as a key, and the collector empty again. `ended`: its end marker came.
    key take(bool ended);
    bool empty() const { return text_.empty() && held_.empty(); }

private:
    void keep(char c);

    std::size_t cap_;
    std::string text_;
    std::string held_;  // bytes that may be the start of the end marker
    bool full_ = false;
};

}  // namespace chat::client
