#include "text_marker.hpp"

#include <charconv>

namespace bench {
namespace {

template <typename T>
bool read_number(std::string_view& s, T& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    if (r.ec != std::errc{}) return false;
    s.remove_prefix(static_cast<std::size_t>(r.ptr - s.data()));
    if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return true;
}

}  // namespace

void make_text(std::string& out, const stamp& s, std::size_t size) {
    out.assign(marker);
    out += std::to_string(s.sender);
    out += ' ';
    out += std::to_string(s.seq);
    out += ' ';
    out += std::to_string(s.sent_ns);
    out += ' ';
    if (out.size() < size) out.append(size - out.size(), 'x');
}

std::optional<stamp> read_text(std::string_view text) {
    if (!text.starts_with(marker)) return std::nullopt;
    text.remove_prefix(marker.size());
    stamp s;
    if (!read_number(text, s.sender) || !read_number(text, s.seq) || !read_number(text, s.sent_ns)) {
        return std::nullopt;
    }
    return s;
}

}  // namespace bench
