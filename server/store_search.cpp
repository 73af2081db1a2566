#include "store_search.hpp"

#include <algorithm>

namespace chat {

namespace {

bool word_byte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

}  // namespace

std::vector<std::string> search_terms(std::string_view words) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < words.size() && out.size() < max_search_terms) {
        while (i < words.size() && !word_byte(static_cast<unsigned char>(words[i]))) ++i;
        const std::size_t start = i;
        while (i < words.size() && word_byte(static_cast<unsigned char>(words[i]))) ++i;
        if (i == start) break;
        // A term longer than the cap cannot be cut on a byte (it may split a character): skip it.
        if (i - start > max_search_term_bytes) continue;
        std::string t(words.substr(start, i - start));
        std::transform(t.begin(), t.end(), t.begin(), lower);
        if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
    }
    return out;
}

bool matches_all(std::string_view text, const std::vector<std::string>& terms) {
    for (const std::string& t : terms) {
        const auto it = std::search(text.begin(), text.end(), t.begin(), t.end(),
                                    [](char a, char b) { return lower(a) == b; });
        if (it == text.end()) return false;
    }
    return true;
}

bool matches_word_starts(std::string_view text, const std::vector<std::string>& terms) {
    for (const std::string& t : terms) {
        bool found = false;
        std::size_t i = 0;
        while (!found && i < text.size()) {
            while (i < text.size() && !word_byte(static_cast<unsigned char>(text[i]))) ++i;
            const std::size_t start = i;
            while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) ++i;
            const std::string_view word = text.substr(start, i - start);
            found = word.size() >= t.size() &&
                    std::equal(t.begin(), t.end(), word.begin(), [](char a, char b) { return a == lower(b); });
        }
        if (!found) return false;
    }
    return true;
}

std::string fts_query(const std::vector<std::string>& terms) {
    std::string q;
    for (const std::string& t : terms) {
        if (!q.empty()) q += ' ';
        // Terms hold only letters, digits and bytes >= 0x80, so nothing inside needs escaping.
        q += '"';
        q += t;
        q += '"';
    }
    return q;
}

}  // namespace chat
