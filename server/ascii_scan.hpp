// Word-at-a-time scans over the plain ASCII that makes up most chat text: each returns how many bytes
// from the start need no attention, testing 8 bytes per step (the caller goes on byte by byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace chat::ascii {

namespace detail {

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

inline std::uint64_t load8(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

// Non-zero when some byte of `w` is below `n` (n <= 128).
constexpr std::uint64_t has_less(std::uint64_t w, std::uint8_t n) { return (w - ones * n) & ~w & highs; }

// Non-zero when some byte of `w` equals `b`.
constexpr std::uint64_t has_byte(std::uint64_t w, std::uint8_t b) { return has_less(w ^ (ones * b), 1); }

template <typename Stop>
std::size_t clean_words(std::string_view s, Stop stop) {
    std::size_t i = 0;
    while (s.size() - i >= 8 && stop(load8(s.data() + i)) == 0) i += 8;
    return i;
}

}  // namespace detail

// Bytes a JSON string copies as they are and that are ASCII: not '"', '\\', a C0 control or >= 0x80.
inline std::size_t json_plain_prefix(std::string_view s) {
    using namespace detail;
    return clean_words(s, [](std::uint64_t w) {
        return (w & highs) | has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\');
    });
}

// Bytes a JSON string need not escape: not '"', '\\' or a C0 control (UTF-8 passes as it is).
inline std::size_t json_unescaped_prefix(std::string_view s) {
    using namespace detail;
    return clean_words(s, [](std::uint64_t w) { return has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\'); });
}

// Printable ASCII, 0x20 to 0x7E.
inline std::size_t printable_prefix(std::string_view s) {
    using namespace detail;
    return clean_words(s, [](std::uint64_t w) { return (w & highs) | has_less(w, 0x20) | has_byte(w, 0x7F); });
}

}  // namespace chat::ascii
