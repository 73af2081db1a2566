#include "input_line.hpp"

#include <algorithm>

#include "protocol.hpp"
#include "utf8.hpp"

namespace chat::client {

namespace {

bool is_space(char32_t cp) { return cp == U' ' || cp == U'\t' || cp == 0x3000; }

}  // namespace

std::size_t input_line::columns(char32_t cp) {
    if (cp == chat::utf8::zero_width_joiner) return 5;  // drawn as "<ZWJ>" (curses would drop it)
    const int w = chat::utf8::width(cp);
    return w < 0 ? 1 : static_cast<std::size_t>(w);
}

void input_line::insert(char32_t cp) {
    edited();
    if (cp == U'\t') cp = U' ';
    if (chat::utf8::is_control(cp)) return;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = chat::utf8::replacement;
    text_.insert(text_.begin() + static_cast<std::ptrdiff_t>(cursor_), cp);
    ++cursor_;
}

void input_line::insert_utf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) insert(chat::utf8::decode(bytes, i));
}

void input_line::insert_text(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const char32_t cp = chat::utf8::decode(bytes, i);
        if (cp == U'\n') {
            edited();
            text_.insert(text_.begin() + static_cast<std::ptrdiff_t>(cursor_), cp);
            ++cursor_;
        } else {
            insert(cp);
        }
    }
}

void input_line::clear() {
    edited();
    text_.clear();
    cursor_ = 0;
    first_ = 0;
}

void input_line::left() {
    edited();
    // Skip back over zero-width marks so the cursor lands on a character that shows.
    while (cursor_ > 0) {
        --cursor_;
        if (cursor_ == 0 || columns(text_[cursor_]) > 0) break;
    }
}

void input_line::right() {
    edited();
    if (cursor_ >= text_.size()) return;
    ++cursor_;
    while (cursor_ < text_.size() && columns(text_[cursor_]) == 0) ++cursor_;
}

void input_line::home() {
    edited();
    cursor_ = 0;
}

void input_line::end() {
    edited();
    cursor_ = text_.size();
}

void input_line::backspace() {
    edited();
    if (cursor_ == 0) return;
    --cursor_;
    text_.erase(cursor_, 1);
}

void input_line::erase() {
    edited();
    if (cursor_ < text_.size()) text_.erase(cursor_, 1);
}

void input_line::erase_word() {
    edited();
    std::size_t start = cursor_;
    while (start > 0 && is_space(text_[start - 1])) --start;
    while (start > 0 && !is_space(text_[start - 1])) --start;
    text_.erase(start, cursor_ - start);
    cursor_ = start;
}

void input_line::erase_to_start() {
    edited();
    text_.erase(0, cursor_);
    cursor_ = 0;
}

void input_line::set_text(std::u32string text) {
    text_ = std::move(text);
    cursor_ = text_.size();
    edited();
}

void input_line::set_cursor(std::size_t pos) {
    cursor_ = std::min(pos, text_.size());
    edited();
}

void input_line::history_up() {
    edited();
    if (history_pos_ == 0) return;
    if (history_pos_ == history_.size()) draft_ = text_;
    --history_pos_;
    text_ = history_[history_pos_];
    cursor_ = text_.size();
}

void input_line::history_down() {
    edited();
    if (history_pos_ >= history_.size()) return;
    ++history_pos_;
    text_ = history_pos_ == history_.size() ? draft_ : history_[history_pos_];
    cursor_ = text_.size();
}

namespace {

std::u32string to_u32(std::string_view s) {
    std::u32string out;
    std::size_t i = 0;
    while (i < s.size()) out.push_back(chat::utf8::decode(s, i));
    return out;
}

std::string to_utf8(std::u32string_view s) {
    std::string out;
    for (char32_t cp : s) chat::utf8::append(out, cp);
    return out;
}

}  // namespace

std::string input_line::completion_word(bool& at_start) const {
    if (completion_.active) {
        at_start = completion_.start == 0;
        return to_utf8(completion_.prefix);
    }
    std::size_t start = cursor_;
    while (start > 0 && !is_space(text_[start - 1])) --start;
    at_start = start == 0;
    return to_utf8(text_.substr(start, cursor_ - start));
}

bool input_line::complete(const std::vector<std::string>& names, bool ordered, std::u32string_view first_tail) {
    if (!completion_.active) {
        std::size_t start = cursor_;
        while (start > 0 && !is_space(text_[start - 1])) --start;
        if (start == cursor_) return false;
        completion_ = {true, start, text_.substr(start, cursor_ - start), 0};
    }
    // Matched the way the server compares nicks: case-folded.
    const std::string prefix = chat::fold(to_utf8(completion_.prefix));
    std::vector<std::u32string> matches;
    for (const auto& n : names) {
        if (chat::fold(n).starts_with(prefix)) matches.push_back(to_u32(n));
    }
    if (matches.empty()) {
        completion_.active = false;
        return false;
    }
    if (!ordered) std::sort(matches.begin(), matches.end());
    const std::u32string& pick = matches[completion_.next % matches.size()];
    ++completion_.next;
    const std::u32string tail = completion_.start == 0 ? std::u32string(first_tail) : U" ";
    text_.replace(completion_.start, cursor_ - completion_.start, pick + tail);
    cursor_ = completion_.start + pick.size() + tail.size();
    return true;
}

std::string input_line::utf8() const { return to_utf8(text_); }

std::string input_line::submit() {
    edited();
    std::string out = utf8();
    if (!text_.empty() && (history_.empty() || history_.back() != text_)) {
        history_.push_back(text_);
        if (history_.size() > history_cap_) history_.pop_front();
    }
    text_.clear();
    draft_.clear();
    cursor_ = 0;
    first_ = 0;
    history_pos_ = history_.size();
    return out;
}

std::size_t input_line::cursor_column() const {
    std::size_t col = 0;
    for (std::size_t i = 0; i < cursor_; ++i) col += columns(text_[i]);
    return col;
}

std::size_t input_line::fit(std::size_t width) {
    if (width == 0) {
        first_ = cursor_;
        return first_;
    }
    if (first_ > cursor_) first_ = cursor_;
    // The cell the cursor sits on needs a column too (at least one, two for a wide character).
    const std::size_t cursor_cells = cursor_ < text_.size() ? std::max<std::size_t>(1, columns(text_[cursor_])) : 1;
    auto span = [&] {
        std::size_t cols = 0;
        for (std::size_t i = first_; i < cursor_; ++i) cols += columns(text_[i]);
        return cols;
    };
    while (first_ < cursor_ && span() + cursor_cells > width) ++first_;
    // Scroll back left when the rest of the line leaves room, so deleting does not leave it half hidden.
    auto tail = [&] {
        std::size_t cols = 1;  // the cursor cell after the last character
        for (std::size_t i = first_; i < text_.size(); ++i) cols += columns(text_[i]);
        return cols;
    };
    while (first_ > 0 && tail() + columns(text_[first_ - 1]) <= width) --first_;
    return first_;
}

}  // namespace chat::client
