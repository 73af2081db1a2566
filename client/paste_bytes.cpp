#include "paste_bytes.hpp"

namespace chat::client {

void paste_bytes::keep(char c) {
    if (text_.size() < cap_) {
        text_ += c;
    } else {
        full_ = true;  // the rest is read, so the end marker is still seen, and left out
    }
}

bool paste_bytes::feed(char c) {
    held_ += c;
    if (held_ == paste_end_marker) {
        held_.clear();
        return true;
    }
    // The marker's only ESC is its first byte, so what cannot start it is text, byte by byte.
    while (!held_.empty() && !paste_end_marker.starts_with(held_)) {
        keep(held_.front());
        held_.erase(0, 1);
    }
    return false;
}

void paste_bytes::feed_key(bool enter) {
    for (const char c : held_) keep(c);
    held_.clear();
    keep(enter ? '\r' : '\x1b');
}

key paste_bytes::take(bool ended) {
    for (const char c : held_) keep(c);  // a marker cut off is text
    key k;
    k.what = key::type::paste;
    k.text = std::move(text_);
    k.cut_short = !ended;
    k.too_big = full_;
    text_.clear();
    held_.clear();
    full_ = false;
    return k;
}

}  // namespace chat::client
