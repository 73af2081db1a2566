#include "fast_frame.hpp"

#include <array>
#include <cstdint>

#include "ascii_scan.hpp"
#include "utf8.hpp"

namespace chat {

namespace {

// Bytes a string copies as they are: printable ASCII but '"' and '\\'. Everything else takes the slow
// branch of the loop, so the common byte costs one lookup.
constexpr std::array<bool, 256> plain_bytes = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
}();

bool plain(char c) { return plain_bytes[static_cast<unsigned char>(c)]; }

// What one of the fields we care about held.
enum class seen : std::uint8_t { absent, string, boolean, other };

// A cursor over the line; every method returns false when the input is not the simple shape.
class scanner {
public:
    explicit scanner(std::string_view s) : s_(s) {}

    bool at_end() const { return i_ == s_.size(); }
    // A key or string held bytes above 0x7F, so the line needs a full UTF-8 check.
    bool non_ascii() const { return non_ascii_; }

    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
    }

    bool take(char c) {
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }

    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

    // A key: a string without escapes (keys never need them; an escaped key goes the slow way).
    bool key(std::string_view& out) {
        if (!take('"')) return false;
        const std::size_t start = i_;
        for (; i_ < s_.size(); ++i_) {
            const auto c = static_cast<unsigned char>(s_[i_]);
            if (plain(s_[i_])) continue;
            if (c == '"') {
                out = s_.substr(start, i_ - start);
                ++i_;
                return true;
            }
            if (c < 0x80) return false;  // a control character or an escape
            non_ascii_ = true;
        }
        return false;
    }

    // A string value, unescaped into `out` (or skipped when `out` is null). Bytes are copied as they
    // are: the caller checks the whole line is UTF-8 when non_ascii() says it may not be.
    bool string(std::string* out) {
        if (!take('"')) return false;
        if (out != nullptr) out->clear();
        std::size_t run = i_;  // start of the bytes not yet copied
        for (i_ += ascii::json_plain_prefix(s_.substr(i_)); i_ < s_.size(); ++i_) {
            if (plain(s_[i_])) continue;
            const auto c = static_cast<unsigned char>(s_[i_]);
            if (c >= 0x80) {
                non_ascii_ = true;
                continue;
            }
            if (c == '"') {
                if (out != nullptr) out->append(s_.data() + run, i_ - run);
                ++i_;
                return true;
            }
            if (c < 0x20) return false;  // JSON wants control characters escaped
            if (c != '\\') continue;
            if (out != nullptr) out->append(s_.data() + run, i_ - run);
            if (++i_ == s_.size()) return false;
            char plain = 0;
            switch (s_[i_]) {
            case '"': plain = '"'; break;
            case '\\': plain = '\\'; break;
            case '/': plain = '/'; break;
            case 'b': plain = '\b'; break;
            case 'f': plain = '\f'; break;
            case 'n': plain = '\n'; break;
            case 'r': plain = '\r'; break;
            case 't': plain = '\t'; break;
            case 'u': {
                char32_t cp = 0;
                if (!hex4(cp)) return false;
                // Surrogates (pairs or lone) are left to the full parser.
                if (cp >= 0xD800 && cp <= 0xDFFF) return false;
                if (out != nullptr) utf8::append(*out, cp);
                run = i_ + 1;
                continue;
            }
            default: return false;
            }
            if (out != nullptr) *out += plain;
            run = i_ + 1;
        }
        return false;
    }

    // true, false, null, or an integer of at most 18 digits (so it always fits an int64); fractions,
    // exponents and leading zeros go the slow way. Sets `kind` to what was read.
    bool other(seen& kind, bool& flag) {
        if (literal("true")) {
            kind = seen::boolean;
            flag = true;
            return true;
        }
        if (literal("false")) {
            kind = seen::boolean;
            flag = false;
            return true;
        }
        kind = seen::other;
        if (literal("null")) return true;
        take('-');
        const std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
        const std::size_t digits = i_ - start;
        if (digits == 0 || digits > 18 || (digits > 1 && s_[start] == '0')) return false;
        const char next = peek();
        return next != '.' && next != 'e' && next != 'E';
    }

private:
    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    // The four hex digits after "\u"; leaves i_ on the last of them.
    bool hex4(char32_t& cp) {
        if (s_.size() - i_ < 5) return false;
        for (std::size_t k = 1; k <= 4; ++k) {
            const char h = s_[i_ + k];
            std::uint32_t v = 0;
            if (h >= '0' && h <= '9') {
                v = static_cast<std::uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                v = static_cast<std::uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                v = static_cast<std::uint32_t>(h - 'A' + 10);
            } else {
                return false;
            }
            cp = cp << 4 | v;
        }
        i_ += 4;
        return true;
    }

    std::string_view s_;
    std::size_t i_ = 0;
    bool non_ascii_ = false;
};

}  // namespace

bool fast_decode(std::string_view line, fast_frame& out) {
    scanner sc(line);
    sc.skip_space();
    if (!sc.take('{')) return false;
    seen type = seen::absent;
    seen room = seen::absent;
    seen to = seen::absent;
    seen text = seen::absent;
    seen action = seen::absent;
    std::string type_name;
    sc.skip_space();
    for (;;) {
        std::string_view key;
        if (!sc.key(key)) return false;
        sc.skip_space();
        if (!sc.take(':')) return false;
        sc.skip_space();
        // Where a string value goes, and which field's kind it sets; repeated fields go the slow way.
        std::string* dst = nullptr;
        seen* field = nullptr;
        if (key == "type") {
            dst = &type_name;
            field = &type;
        } else if (key == "room") {
            dst = &out.room;
            field = &room;
        } else if (key == "to") {
            dst = &out.to;
            field = &to;
        } else if (key == "text") {
            dst = &out.text;
            field = &text;
        } else if (key == "action") {
            field = &action;
        }
        if (field != nullptr && *field != seen::absent) return false;
        seen kind = seen::other;
        if (sc.peek() == '"') {
            if (!sc.string(dst)) return false;
            kind = seen::string;
        } else {
            bool flag = false;
            if (!sc.other(kind, flag)) return false;
            if (field == &action && kind == seen::boolean) out.action = flag;
        }
        if (field != nullptr) *field = kind;
        sc.skip_space();
        if (sc.take('}')) break;
        if (!sc.take(',')) return false;
        sc.skip_space();
    }
    sc.skip_space();
    // decode() refuses invalid UTF-8 before parsing. Outside keys and strings the scanner takes only
    // ASCII, so a line whose strings are ASCII needs no second look.
    if (sc.non_ascii() && !utf8::valid(line)) return false;
    if (!sc.at_end() || type != seen::string || text != seen::string) return false;
    if (action == seen::absent) {
        out.action = false;
    } else if (action != seen::boolean) {
        return false;
    }
    if (type_name == "say") {
        out.type = fast_frame::kind::say;
        return room == seen::string;
    }
    if (type_name == "pm") {
        out.type = fast_frame::kind::pm;
        return to == seen::string;
    }
    return false;
}

}  // namespace chat
