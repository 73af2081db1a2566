// UTF-8 validation and decoding, character classes that matter for safety, and display width.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat::utf8 {

inline constexpr char32_t replacement = 0xFFFD;
inline constexpr char32_t zero_width_joiner = 0x200D;

// True if `s` is well-formed UTF-8 (no overlongs, surrogates, or code points past U+10FFFF).
bool valid(std::string_view s);

// Decodes the code point at s[i] and advances i. Malformed input yields U+FFFD and advances one byte.
char32_t decode(std::string_view s, std::size_t& i);

// Appends the UTF-8 encoding of `cp` to `out`.
void append(std::string& out, char32_t cp);

// C0 (U+0000-001F), DEL, and C1 (U+0080-009F).
bool is_control(char32_t cp);

// Characters that are invisible or reorder text: bidi controls, zero-width space, word joiner, BOM.
bool is_invisible(char32_t cp);

// Columns a code point takes on a terminal: wcwidth, with unprintable code points counted as -1.
int width(char32_t cp);

// Columns the string takes once sanitised for display.
std::size_t display_width(std::string_view s);

// Makes text from the network safe to draw: control characters become visible "^X" (C0/DEL) or
// "<U+XXXX>" (C1), invisible and bidi characters become "<U+XXXX>", invalid bytes become U+FFFD,
// and runs of combining marks are cut to a few per character. A zero-width joiner (U+200D) stays
// between two visible characters (emoji sequences, conjuncts) and is "<U+200D>" anywhere else.
// The result has no C0, C1 or bidi.
std::string sanitize(std::string_view s);

// sanitize() for each line of a multi-line message: the line breaks stay, everything else is as above.
std::string sanitize_lines(std::string_view s);

// Replaces invalid byte sequences with U+FFFD (for text a user typed or pasted).
std::string repair(std::string_view s);

// The byte offset of the start of the code point before `pos` (0 if none).
std::size_t prev_boundary(std::string_view s, std::size_t pos);

}  // namespace chat::utf8
