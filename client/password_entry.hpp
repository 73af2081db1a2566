// The password question's keys, apart from the terminal: bytes in, one masked line out. Enter ends
// it, Esc (alone, not the start of an arrow key's sequence) or Ctrl-C cancels, Backspace takes back
// one character, Ctrl-U the whole line. What was typed lives only here and is wiped when taken or
// dropped; it never reaches the screen, a log or a file.
#pragma once

#include <cstddef>
#include <string>

namespace chat::client {

class password_entry {
public:
    enum class state { typing, done, cancelled };
    static constexpr std::size_t max_bytes = 1024;

    password_entry() = default;
    password_entry(const password_entry&) = delete;
    password_entry& operator=(const password_entry&) = delete;
    ~password_entry() { wipe(); }

    // One byte from the terminal. `more_follows`: other bytes arrived with it (an Esc that starts a
    // key's escape sequence, whose remaining bytes are then ignored up to its final byte).
    state feed(unsigned char c, bool more_follows);
    state current() const { return state_; }
    // Characters typed (a UTF-8 sequence counts once): how many '*' the prompt shows.
    std::size_t shown() const;
    // The password, once done; the entry is wiped.
    std::string take();

private:
    void wipe();

    std::string text_;
    state state_ = state::typing;
    int in_sequence_ = 0;  // 1: after ESC, 2: inside CSI/SS3 (until its final byte)
};

// Fills a string's bytes with zeros before it is dropped (not optimised away).
void wipe_string(std::string& s);

}  // namespace chat::client
