// What the harnesses share: invariants checked with __builtin_trap, so a broken one is reported by
// libFuzzer as a crash, with the input that broke it.
#pragma once

#include <string_view>

#include "utf8.hpp"

namespace fuzz {

inline void check(bool ok) {
    if (!ok) __builtin_trap();
}

// Text that may reach a terminal: valid UTF-8 without control, invisible or direction-changing
// characters; a zero-width joiner only between a character and a visible one.
inline void check_drawable(std::string_view s) {
    check(chat::utf8::valid(s));
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t at = i;
        const char32_t cp = chat::utf8::decode(s, i);
        check(!chat::utf8::is_control(cp) && !chat::utf8::is_invisible(cp));
        if (cp == chat::utf8::zero_width_joiner) {
            check(at > 0 && s[at - 1] != ' ' && i < s.size());
            std::size_t j = i;
            const char32_t next = chat::utf8::decode(s, j);
            check(next != ' ' && chat::utf8::width(next) > 0);
        }
    }
}

}  // namespace fuzz
