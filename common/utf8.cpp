#include "utf8.hpp"

#include <cwchar>

namespace chat::utf8 {

char32_t decode(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2; cp = b0 & 0x1F; min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3; cp = b0 & 0x0F; min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4; cp = b0 & 0x07; min = 0x10000;
    } else {
        ++i;
        return replacement;
    }
    if (i + static_cast<std::size_t>(len) > s.size()) {
        ++i;
        return replacement;
    }
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return replacement;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return replacement;
    }
    i += static_cast<std::size_t>(len);
    return cp;
}

bool valid(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        const char32_t cp = decode(s, i);
        // U+FFFD itself is 3 bytes; a 1-byte advance means the input was malformed.
        if (cp == replacement && i - start != 3) return false;
    }
    return true;
}

void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool is_control(char32_t cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F); }

bool is_invisible(char32_t cp) {
    return cp == 0x061C || cp == 0x200B || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2060 ||
           cp == 0xFEFF || cp == 0x00AD || (cp >= 0xFFF9 && cp <= 0xFFFB);
}

int width(char32_t cp) {
    if (is_control(cp) || is_invisible(cp)) return -1;
    if (cp < 0x7F) return 1;
    return ::wcwidth(static_cast<wchar_t>(cp));
}

namespace {

void append_marker(std::string& out, char32_t cp) {
    static const char hex[] = "0123456789ABCDEF";
    out += "<U+";
    char buf[6];
    int n = 0;
    do {
        buf[n++] = hex[cp & 0xF];
        cp >>= 4;
    } while (cp != 0 || n < 4);
    while (n > 0) out += buf[--n];
    out += '>';
}

// A character that shows something: a joiner next to it joins two visible things.
bool visible(char32_t cp) { return cp != ' ' && width(cp) > 0; }

}  // namespace

std::string sanitize(std::string_view s) {
    constexpr int max_combining = 4;
    std::string out;
    out.reserve(s.size());
    int combining = 0;
    bool after_visible = false;  // the last thing kept is a visible character (with its marks)
    std::size_t i = 0;
    while (i < s.size()) {
        const char32_t cp = decode(s, i);
        if (cp == zero_width_joiner) {
            // It holds an emoji sequence (man, ZWJ, woman, ZWJ, girl: a family) or a conjunct
            // together, and is kept between two visible characters; anywhere else it only hides,
            // and shows as a marker.
            std::size_t j = i;
            if (after_visible && j < s.size() && visible(decode(s, j))) {
                append(out, cp);
            } else {
                append_marker(out, cp);
            }
            after_visible = false;
            combining = 0;
            continue;
        }
        const bool was_visible = after_visible;
        after_visible = false;
        if (cp < 0x20 || cp == 0x7F) {
            if (cp == '\t') {
                out += ' ';
            } else {
                out += '^';
                out += static_cast<char>(cp == 0x7F ? '?' : cp + 0x40);
            }
            combining = 0;
        } else if (is_control(cp) || is_invisible(cp)) {
            append_marker(out, cp);
            combining = 0;
        } else {
            const int w = cp < 0x7F ? 1 : ::wcwidth(static_cast<wchar_t>(cp));
            if (w < 0) {
                append(out, replacement);
                combining = 0;
            } else if (w == 0) {
                // A mark on a visible character leaves it visible (a heart with its emoji selector).
                after_visible = was_visible;
                if (++combining <= max_combining) append(out, cp);
            } else {
                append(out, cp);
                combining = 0;
                after_visible = cp != ' ';
            }
        }
    }
    return out;
}

std::string sanitize_lines(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (;;) {
        const std::size_t nl = s.find('\n');
        out += sanitize(s.substr(0, nl));
        if (nl == std::string_view::npos) break;
        out += '\n';
        s.remove_prefix(nl + 1);
    }
    return out;
}

std::size_t display_width(std::string_view s) {
    const std::string clean = sanitize(s);
    std::size_t cols = 0;
    std::size_t i = 0;
    while (i < clean.size()) {
        const char32_t cp = decode(clean, i);
        const int w = cp < 0x7F ? 1 : ::wcwidth(static_cast<wchar_t>(cp));
        if (w > 0) cols += static_cast<std::size_t>(w);
    }
    return cols;
}

std::string repair(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) append(out, decode(s, i));
    return out;
}

std::size_t prev_boundary(std::string_view s, std::size_t pos) {
    if (pos == 0) return 0;
    std::size_t i = pos - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80 && pos - i < 4) --i;
    return i;
}

}  // namespace chat::utf8
