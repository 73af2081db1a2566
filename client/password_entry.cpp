#include "password_entry.hpp"


namespace chat::client {

void wipe_string(std::string& s) {
    // Through a volatile pointer, so the stores are not dropped as dead before the free.
    volatile char* p = s.data();
    for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
    s.clear();
}

void password_entry::wipe() { wipe_string(text_); }

password_entry::state password_entry::feed(unsigned char c, bool more_follows) {
    if (state_ != state::typing) return state_;
    if (in_sequence_ == 1) {
        // ESC [ or ESC O starts a sequence that ends with a byte in 0x40..0x7e; ESC x is Alt-x.
        in_sequence_ = (c == '[' || c == 'O') ? 2 : 0;
        return state_;
    }
    if (in_sequence_ == 2) {
        if (c >= 0x40 && c <= 0x7e) in_sequence_ = 0;
        return state_;
    }
    switch (c) {
    case '\r':
    case '\n': state_ = state::done; return state_;
    case 0x1b:
        if (more_follows) {
            in_sequence_ = 1;
            return state_;
        }
        [[fallthrough]];
    case 0x03:  // Ctrl-C
    case 0x04:  // Ctrl-D
        wipe();
        state_ = state::cancelled;
        return state_;
    case 0x7f:
    case 0x08:
        // One character back: continuation bytes first, then the lead byte.
        while (!text_.empty() && (static_cast<unsigned char>(text_.back()) & 0xC0) == 0x80) text_.pop_back();
        if (!text_.empty()) text_.pop_back();
        return state_;
    case 0x15:  // Ctrl-U
        wipe();
        return state_;
    default: break;
    }
    if (c < 0x20) return state_;  // other control keys do nothing
    if (text_.size() < max_bytes) text_.push_back(static_cast<char>(c));
    return state_;
}

std::size_t password_entry::shown() const {
    std::size_t n = 0;
    for (const char ch : text_) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

std::string password_entry::take() {
    std::string out = text_;
    wipe();
    return out;
}

}  // namespace chat::client
