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
// characters.
inline void check_drawable(std::string_view s) {
    check(chat::utf8::valid(s));
    std::size_t i = 0;
    while (i < s.size()) {
        const char32_t cp = chat::utf8::decode(s, i);
        check(!chat::utf8::is_control(cp) && !chat::utf8::is_invisible(cp));
    }
}

}  // namespace fuzz
