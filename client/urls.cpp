#include "urls.hpp"

namespace chat::client {

namespace {

bool scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

bool is_url(std::string_view word) {
    // "(https://..." and "<https://..." are URLs too.
    while (!word.empty() && (word.front() == '(' || word.front() == '<' || word.front() == '"' || word.front() == '\'' ||
                             word.front() == '[')) {
        word.remove_prefix(1);
    }
    if (word.size() > 4 && (word.starts_with("www.") || word.starts_with("WWW."))) return true;
    const std::size_t sep = word.find("://");
    if (sep == std::string_view::npos || sep < 2 || sep + 3 >= word.size() || !letter(word.front())) return false;
    for (std::size_t i = 0; i < sep; ++i) {
        if (!scheme_char(word[i])) return false;
    }
    return true;
}

}  // namespace chat::client
