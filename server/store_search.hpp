// The words of a search request, as both stores read them: split on ASCII punctuation and spaces,
// folded to lower case, at most max_search_terms of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

inline constexpr std::size_t max_search_terms = 8;
inline constexpr std::size_t max_search_term_bytes = 64;

// The key a private conversation is stored under: both nicks folded, in order, joined by '\n'.
std::string conversation_key(std::string_view a, std::string_view b);

std::vector<std::string> search_terms(std::string_view words);

// Every term occurs in `text` (ASCII case-insensitively): the memory store's search.
bool matches_all(std::string_view text, const std::vector<std::string>& terms);

// Every term starts a word of `text` (ASCII case-insensitively; words as search_terms splits them):
// what the FTS5 index answers, for messages not indexed yet.
bool matches_word_starts(std::string_view text, const std::vector<std::string>& terms);

// The terms as an FTS5 query: each a quoted string, all required.
std::string fts_query(const std::vector<std::string>& terms);

}  // namespace chat
