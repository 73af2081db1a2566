#include "search_mode.hpp"

#include <algorithm>

#include "clock.hpp"
#include "format.hpp"
#include "input_line.hpp"
#include "keys.hpp"
#include "layout.hpp"
#include "model.hpp"
#include "protocol.hpp"
#include "utf8.hpp"
#include "update.hpp"
#include "update.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using mode = search_state::mode;

// ASCII case folding byte by byte, so offsets in the folded text are offsets in the original.
std::string folded(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// The text of a line as drawn, without its time.
std::string shown_text(const model& m, const window& w, const chat_line& l) {
    std::string out;
    const auto p = pieces(m, w, l);
    for (std::size_t i = 1; i < p.size(); ++i) out += p[i].text;
    return out;
}

bool line_has(const model& m, const window& w, const chat_line& l, const std::string& q) {
    return folded(shown_text(m, w, l)).find(q) != std::string::npos;
}

void remove_last_char(std::string& s) {
    if (s.empty()) return;
    std::size_t i = s.size() - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    s.resize(i);
}

// Scrolls `w` so line `index` is in the pane (`rows` by `cols`), half way up with the lines after it
// below; a line already in view stays put.
void reveal(const model& m, window& w, std::size_t index, std::size_t rows, int cols) {
    const std::size_t n = w.lines.size();
    if (index >= n) return;
    const std::size_t bottom = n - std::min(w.scroll, n);  // the first line below the pane
    if (index < bottom) {
        const int today = day_key(chat::now_ms());
        long above = -static_cast<long>(w.scroll_cut);
        for (std::size_t i = index; i < bottom; ++i) above += static_cast<long>(line_rows(m, w, i, cols, today).size());
        if (above <= static_cast<long>(rows)) return;
    }
    w.scroll = n - 1 - index;
    w.scroll_cut = 0;
    scroll_rows(m, w, -static_cast<long>(rows / 2), cols, static_cast<int>(rows));
}

window* searched_window(model& m) {
    window& w = current_window(m);
    return w.name == m.isearch.room ? &w : nullptr;
}

// Scroll-back: the newest line at or above `from_end` (counted from the newest) holding the query.
void find_in_scrollback(model& m, std::size_t from_end, std::size_t rows, int cols) {
    search_state& s = m.isearch;
    window* w = searched_window(m);
    s.no_older = false;
    if (w == nullptr) {
        s.found = false;
        return;
    }
    const std::string q = folded(s.query);
    const std::size_t n = w->lines.size();
    for (std::size_t back = from_end; back < n; ++back) {
        const std::size_t index = n - 1 - back;
        if (line_has(m, *w, w->lines[index], q)) {
            s.found = true;
            s.from_end = back;
            reveal(m, *w, index, rows, cols);
            return;
        }
    }
    s.found = false;
}

// History: the newest typed line at or before `at` holding the query, put in the input line.
void find_in_history(model& m, std::size_t at) {
    search_state& s = m.isearch;
    const auto& h = m.input.history();
    s.no_older = false;
    const std::string q = folded(s.query);
    for (std::size_t i = std::min(at, h.size()); i-- > 0;) {
        std::string line;
        for (char32_t cp : h[i]) chat::utf8::append(line, cp);
        if (folded(line).find(q) != std::string::npos) {
            s.found = true;
            s.history_at = i;
            m.input.set_text(h[i]);
            return;
        }
    }
    s.found = false;
    m.input.set_text(s.saved_input);
}

void start(model& m, std::size_t rows, int cols) {
    search_state& s = m.isearch;
    s = search_state{};
    window& w = current_window(m);
    s.saved_scroll = w.scroll;
    s.saved_cut = w.scroll_cut;
    s.saved_input = m.input.text();
    s.saved_cursor = m.input.cursor();
    if (m.input.empty()) {
        s.what = mode::scrollback;
        s.room = w.name;
        return;  // nothing to look for until a character is typed
    }
    s.what = mode::history;
    for (char32_t cp : s.saved_input) chat::utf8::append(s.query, cp == U'\n' ? U' ' : cp);
    find_in_history(m, m.input.history().size());
    (void)rows;
    (void)cols;
}

void research(model& m, std::size_t rows, int cols) {
    search_state& s = m.isearch;
    if (s.query.empty()) {
        s.found = false;
        s.no_older = false;
        if (s.what == mode::history) m.input.set_text(s.saved_input);
        return;
    }
    if (s.what == mode::scrollback) find_in_scrollback(m, 0, rows, cols);
    else find_in_history(m, m.input.history().size());
}

// Past what the window holds, the server's stored history can be searched too.
bool server_can_search(const model& m) {
    const search_state& s = m.isearch;
    if (s.what != mode::scrollback || !m.search || m.state != conn_state::online || s.query.empty()) return false;
    const window& w = current_window(m);
    return !m.windows.empty() && !w.query && w.name == s.room;
}

void older(model& m, std::size_t rows, int cols, effects& fx) {
    search_state& s = m.isearch;
    if (s.query.empty()) return;
    if (!s.found || s.no_older) {
        if (!server_can_search(m)) return;
        // Nothing (older) here: the server's store is asked, and its answer shows at the bottom.
        const std::string words = s.query;
        const std::string room = s.room;
        s = search_state{};
        scroll_to_end(current_window(m));
        do_search(m, words, room, fx);
        return;
    }
    const search_state before = s;
    if (s.what == mode::scrollback) find_in_scrollback(m, s.from_end + 1, rows, cols);
    else find_in_history(m, s.history_at);
    if (!s.found) {
        // Nothing further back: the match stays, and the status bar says so.
        s = before;
        s.no_older = true;
        if (s.what == mode::history) m.input.set_text(m.input.history()[s.history_at]);
    }
}

// Esc: everything as it was before Ctrl-R.
void cancel(model& m) {
    search_state& s = m.isearch;
    if (s.what == mode::scrollback) {
        if (window* w = searched_window(m)) {
            w->scroll = std::min(s.saved_scroll, w->lines.size());
            w->scroll_cut = s.saved_cut;
        }
    } else {
        m.input.set_text(s.saved_input);
        m.input.set_cursor(s.saved_cursor);
    }
    s = search_state{};
}

}  // namespace

bool search_key(model& m, const key& k, std::size_t rows, int cols, effects& fx) {
    using t = key::type;
    search_state& s = m.isearch;
    if (s.what == mode::off) {
        if (k.what != t::ctrl || k.cp != U'r') return false;
        start(m, rows, cols);
        return true;
    }
    // The window searched went away (switched by a command, closed): the search ends with it.
    if (s.what == mode::scrollback && searched_window(m) == nullptr) s = search_state{};
    if (s.what == mode::off) return false;
    switch (k.what) {
    case t::character:
        if (chat::utf8::is_control(k.cp)) return true;
        chat::utf8::append(s.query, k.cp);
        research(m, rows, cols);
        return true;
    case t::backspace:
        remove_last_char(s.query);
        research(m, rows, cols);
        return true;
    case t::ctrl:
        if (k.cp == U'r') {
            older(m, rows, cols, fx);
            return true;
        }
        if (k.cp == U'h') {
            remove_last_char(s.query);
            research(m, rows, cols);
            return true;
        }
        if (k.cp == U'g') {  // as in bash and emacs: give up
            cancel(m);
            return true;
        }
        break;
    case t::escape:
        cancel(m);
        return true;
    case t::enter:
        // Leaves the search: the match stays in view, or in the input line to edit or send.
        s = search_state{};
        return true;
    case t::resize:
    case t::none:
        return false;
    default:
        break;
    }
    // Another key ends the search where it is, then does what it always does.
    s = search_state{};
    return false;
}

bool is_search_match(const model& m, const window& w, std::size_t index) {
    const search_state& s = m.isearch;
    if (s.what != mode::scrollback || !s.found || s.query.empty() || w.name != s.room) return false;
    return index < w.lines.size() && w.lines.size() - 1 - index == s.from_end;
}

void mark_matches(std::vector<run>& runs, std::string_view query) {
    if (query.empty() || runs.size() < 2) return;
    std::string all;
    for (std::size_t i = 1; i < runs.size(); ++i) all += runs[i].text;
    const std::string hay = folded(all);
    const std::string q = folded(query);
    // Byte ranges of the matches in `all`.
    std::vector<std::pair<std::size_t, std::size_t>> hits;
    for (std::size_t at = hay.find(q); at != std::string::npos; at = hay.find(q, at + q.size())) hits.emplace_back(at, at + q.size());
    if (hits.empty()) return;
    std::vector<run> out;
    out.push_back(runs[0]);
    std::size_t offset = 0;  // of the current run in `all`
    std::size_t h = 0;
    for (std::size_t i = 1; i < runs.size(); ++i) {
        const std::string& text = runs[i].text;
        const std::size_t end = offset + text.size();
        std::size_t pos = offset;
        while (pos < end) {
            while (h < hits.size() && hits[h].second <= pos) ++h;
            if (h < hits.size() && hits[h].first <= pos) {
                const std::size_t stop = std::min(end, hits[h].second);
                out.push_back({text.substr(pos - offset, stop - pos), style::search_match});
                pos = stop;
            } else {
                const std::size_t stop = h < hits.size() ? std::min(end, hits[h].first) : end;
                out.push_back({text.substr(pos - offset, stop - pos), runs[i].look});
                pos = stop;
            }
        }
        offset = end;
    }
    runs = std::move(out);
}

std::string search_status(const model& m) {
    const search_state& s = m.isearch;
    if (s.what == mode::off) return {};
    std::string out = s.what == mode::scrollback ? "search " + s.room + ": \"" + s.query + "\""
                                                 : "history search: \"" + s.query + "\"";
    out = chat::utf8::sanitize(out);
    if (!s.query.empty() && !s.found) out += " not found";
    else if (s.no_older) out += " (no older match)";
    if (((!s.query.empty() && !s.found) || s.no_older) && server_can_search(m)) out += ", Ctrl-R asks the server";
    else if (s.query.empty()) out += s.what == mode::scrollback ? " (type to search, Esc leaves)" : "";
    return out;
}

void search_line_added(model& m, const window& w) {
    search_state& s = m.isearch;
    if (s.what == mode::scrollback && s.found && w.name == s.room) ++s.from_end;
}

}  // namespace chat::client
