#include "windows.hpp"

#include <algorithm>
#include <cctype>

#include "notify.hpp"
#include "protocol.hpp"

namespace chat::client {

bool same_nick(std::string_view a, std::string_view b) { return chat::fold(a) == chat::fold(b); }

std::optional<std::size_t> find_window(const model& m, std::string_view name) {
    const std::string key = chat::fold(name);
    for (std::size_t i = 0; i < m.windows.size(); ++i) {
        if (chat::fold(m.windows[i].name) == key) return i;
    }
    return std::nullopt;
}

std::size_t open_window(model& m, std::string_view name, bool query) {
    if (auto i = find_window(m, name)) return *i;
    window w;
    w.name = std::string(name);
    w.query = query;
    m.windows.push_back(std::move(w));
    if (m.windows.size() == 1) m.current = 0;
    return m.windows.size() - 1;
}

void close_window(model& m, std::size_t index) {
    if (index >= m.windows.size()) return;
    m.windows.erase(m.windows.begin() + static_cast<std::ptrdiff_t>(index));
    if (m.current > index || m.current >= m.windows.size()) {
        m.current = m.current > 0 ? m.current - 1 : 0;
    }
    if (!m.windows.empty()) mark_read(m.windows[m.current]);
}

void mark_read(window& w) {
    // The marker shows where the unread lines began, until the user leaves the window again.
    w.marker = w.unread > 0 ? w.first_unread : 0;
    w.unread = 0;
    w.mentioned = false;
    w.act = activity::none;
}

chat_line make_line(chat_line::kind k, std::string text) {
    chat_line l;
    l.what = k;
    l.text = std::move(text);
    return l;
}

bool mentions(std::string_view text, std::string_view nick) {
    if (nick.empty()) return false;
    const std::string hay = chat::fold(text);
    const std::string needle = chat::fold(nick);
    // Whole words only: "al" is not mentioned by "also".
    auto name_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    };
    for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
        const bool start_ok = at == 0 || !name_char(hay[at - 1]);
        const std::size_t end = at + needle.size();
        const bool end_ok = end >= hay.size() || !name_char(hay[end]);
        if (start_ok && end_ok) return true;
    }
    return false;
}

namespace {

std::size_t line_bytes(const chat_line& l) { return l.text.size() + l.from.size() + l.to.size(); }

// What a line new to the window owes the rest of the client: its note (log, activity, alerts) and,
// in line mode, its printing.
void announce(model& m, window& w, const chat_line& line, bool is_current, bool print) {
    note_line(m, w, line, is_current, print);
    if (m.line_mode && print) m.printed.push_back(printed_line{w.name, w.query, line});
}

bool is_current(const model& m, const window& w) { return !m.windows.empty() && &m.windows[m.current] == &w; }

}  // namespace

void add_line(model& m, window& w, chat_line line, bool print) {
    const bool current = is_current(m, w);
    const bool talk = line.what == chat_line::kind::message || line.what == chat_line::kind::action ||
                      line.what == chat_line::kind::pm;
    line.seq = w.next_seq++;
    if (line.ts == 0) line.ts = m.now.utc_ms;
    if (!current && talk && !line.history && !line.self) {
        if (w.unread == 0) w.first_unread = line.seq;
        ++w.unread;
        if (w.query || is_mention(m, line)) w.mentioned = true;
    }
    announce(m, w, line, current, print);
    // A window scrolled up keeps showing the same lines while new ones arrive below.
    if (w.scroll > 0 || w.scroll_cut > 0) ++w.scroll;
    search_line_added(m, w);
    w.bytes += line_bytes(line);
    w.lines.push_back(std::move(line));
    while (w.lines.size() > 1 && (w.lines.size() > m.max_lines || w.bytes > m.max_window_bytes)) {
        w.bytes -= std::min(w.bytes, line_bytes(w.lines.front()));
        w.lines.pop_front();
    }
}

void replace_line(model& m, window& w, chat_line& old, chat_line line) {
    w.bytes -= std::min(w.bytes, line_bytes(old));
    w.bytes += line_bytes(line);
    line.seq = old.seq;
    old = std::move(line);
    announce(m, w, old, is_current(m, w), true);
}

bool has_member(const window& w, std::string_view nick) {
    return std::any_of(w.members.begin(), w.members.end(), [&](const std::string& n) { return same_nick(n, nick); });
}

void remove_member(window& w, std::string_view nick) {
    std::erase_if(w.members, [&](const std::string& n) { return same_nick(n, nick); });
}

window& current_window(model& m) { return m.windows.empty() ? m.status : m.windows[m.current]; }
const window& current_window(const model& m) { return m.windows.empty() ? m.status : m.windows[m.current]; }

void add_info(model& m, std::string text, chat_line::kind k) { add_line(m, current_window(m), make_line(k, std::move(text))); }

void switch_to(model& m, std::size_t index) {
    if (index >= m.windows.size()) return;
    if (m.current < m.windows.size() && m.current != index) m.windows[m.current].marker = 0;
    m.current = index;
    mark_read(m.windows[index]);
}

void next_window(model& m, int step) {
    if (m.windows.empty()) return;
    const auto n = static_cast<long>(m.windows.size());
    const long next = ((static_cast<long>(m.current) + step) % n + n) % n;
    switch_to(m, static_cast<std::size_t>(next));
}

bool switch_to_name(model& m, std::string_view name) {
    if (auto i = find_window(m, name)) {
        switch_to(m, *i);
        return true;
    }
    return false;
}

void scroll_to_end(window& w) {
    w.scroll = 0;
    w.scroll_cut = 0;
    w.mention_below = false;
}

}  // namespace chat::client
