#include "layout.hpp"

#include <algorithm>

#include "clock.hpp"
#include "format.hpp"
#include "notify.hpp"
#include "protocol.hpp"
#include "urls.hpp"
#include "search_mode.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

}  // namespace

style nick_style(std::string_view nick) {
    return static_cast<style>(static_cast<int>(style::nick0) + nick_colour(nick, nick_styles));
}

std::vector<run> pieces(const model& m, const window& w, const chat_line& l) {
    std::vector<run> out;
    out.push_back({clock_text(l.ts, m.cfg.timestamp) + " ", style::dim});
    const style text_style = l.self ? style::self : style::normal;
    switch (l.what) {
    case kind::message:
        out.push_back({"<", style::dim});
        out.push_back({l.from, nick_style(l.from)});
        out.push_back({"> ", style::dim});
        out.push_back({l.text, text_style});
        break;
    case kind::action:
        out.push_back({"* ", style::bold});
        out.push_back({l.from, nick_style(l.from)});
        out.push_back({" " + l.text, text_style});
        break;
    case kind::pm:
        if (!w.query) out.push_back({"[pm] ", style::pm});
        if (l.action) {
            out.push_back({"* " + l.from + " " + l.text, style::pm});
        } else if (w.query) {
            out.push_back({"<", style::dim});
            out.push_back({l.from, nick_style(l.from)});
            out.push_back({"> ", style::dim});
            out.push_back({l.text, text_style});
        } else {
            out.push_back({"<" + l.from + " -> " + l.to + "> ", style::pm});
            out.push_back({l.text, text_style});
        }
        if (l.offline) {
            out.push_back({l.self ? "  (" + l.to + " is offline: kept for their next login)" : "  (sent while you were away)",
                           style::dim});
        }
        break;
    case kind::notice:
        out.push_back({"-- " + l.text, style::notice});
        break;
    case kind::info:
        out.push_back({l.text, style::normal});
        break;
    case kind::error:
        out.push_back({"! " + l.text, style::error});
        break;
    case kind::pending:
        out.push_back({"<" + l.from + "> " + (l.action ? "* " : "") + l.text, style::pending});
        out.push_back({w.joining ? "  (waiting for the join)" : m.state == conn_state::online ? "  (sending)" : "  (pending)",
                       style::pending});
        break;
    case kind::unsent:
        out.push_back({"<" + l.from + "> " + (l.action ? "* " : "") + l.text, style::pending});
        out.push_back({"  (not sent)", style::unsent});
        break;
    }
    if (l.what == kind::message && !l.self && is_mention(m, l) && !l.history) {
        out.back().look = style::highlight;
    }
    // Replayed history is old news: dimmed, so live talk stands out below it.
    if (l.history) {
        for (auto& r : out) r.look = style::dim;
    }
    for (auto& r : out) {
        if (r.text.find("\u200D") != std::string::npos) r.text = show_joiners(r.text);
    }
    return out;
}

// A word longer than a row is cut where the row ends (a URL, on rows of its own without the indent).
std::vector<row> wrap(const std::vector<run>& in, int width, int indent) {
    std::vector<row> rows(1);
    if (width <= 0) return rows;
    if (indent >= width / 2) indent = 0;
    int col = 0;
    auto new_row = [&] {
        rows.emplace_back();
        if (indent > 0) rows.back().push_back({std::string(static_cast<std::size_t>(indent), ' '), style::normal});
        col = indent;
    };
    auto cols_of = [](std::string_view s) {
        int n = 0;
        std::size_t i = 0;
        while (i < s.size()) {
            const int w = chat::utf8::width(chat::utf8::decode(s, i));
            n += w < 0 ? 1 : w;
        }
        return n;
    };
    for (const auto& r : in) {
        // A line break in a multi-line message starts a row of its own, under the same indent, so the
        // block reads under one time stamp and nick.
        std::string_view all = r.text;
        for (bool first_part = true;; first_part = false) {
            const std::size_t nl = all.find('\n');
            std::string_view text = all.substr(0, nl);
            if (!first_part) new_row();
            while (!text.empty()) {
                // The next word with the spaces before it.
                std::size_t end = text.find_first_not_of(' ');
                if (end == std::string_view::npos) end = text.size();
                end = text.find(' ', end);
                if (end == std::string_view::npos) end = text.size();
                std::string_view word = text.substr(0, end);
                text.remove_prefix(end);
                const int w = cols_of(word);
                const std::size_t lead = word.find_first_not_of(' ');
                const std::string_view bare = lead == std::string_view::npos ? std::string_view() : word.substr(lead);
                // A URL that would be cut is kept whole for a terminal's click or copy: on rows of
                // its own, from the first column, its continuation rows without the indent.
                bool url_rows = false;
                if (col + w > width && col > indent) {
                    if (cols_of(bare) <= width - indent) {
                        new_row();
                        word = bare;
                    } else if (is_url(bare)) {
                        url_rows = true;
                    }
                } else if (col + w > width && !bare.empty() && is_url(bare)) {
                    url_rows = true;
                }
                if (url_rows) {
                    word = bare;
                    if (col > 0) {
                        // A row holding only the indent is reused; otherwise the URL starts a new one.
                        if (col == indent && rows.back().size() == 1 && indent > 0) rows.back().clear();
                        else rows.emplace_back();
                        col = 0;
                    }
                }
                // Place the word, cutting it where rows end.
                std::string cur;
                std::size_t i = 0;
                while (i < word.size()) {
                    const std::size_t start = i;
                    const char32_t cp = chat::utf8::decode(word, i);
                    int cw = chat::utf8::width(cp);
                    if (cw < 0) cw = 1;
                    if (col + cw > width && (col > indent || (url_rows && col > 0))) {
                        if (!cur.empty()) rows.back().push_back({cur, r.look});
                        cur.clear();
                        if (url_rows) {
                            rows.emplace_back();
                            col = 0;
                        } else {
                            new_row();
                        }
                    }
                    cur.append(word, start, i - start);
                    col += cw;
                }
                if (!cur.empty()) rows.back().push_back({cur, r.look});
            }
            if (nl == std::string_view::npos) break;
            all.remove_prefix(nl + 1);
        }
    }
    return rows;
}

std::vector<row> paste_rows(const model& m, int width) {
    std::vector<row> out;
    const paste_offer& p = m.paste;
    if (!p.active) return out;
    auto add = [&](std::vector<run> r, int indent) {
        for (auto& one : wrap(r, width, indent)) out.push_back(std::move(one));
    };
    const std::size_t kib = (p.text.size() + 1023) / 1024;
    std::string head = "paste: " + std::to_string(p.lines) + (p.lines == 1 ? " line, " : " lines, ") + std::to_string(kib) + " KiB. ";
    if (p.parts.size() <= 1) {
        head += "Enter sends it as one message";
    } else {
        head += "Too long for one message (the server takes " + std::to_string(m.lim.max_lines) + " lines, " +
                std::to_string(m.lim.max_text) + " bytes): Enter sends it in " + std::to_string(p.parts.size()) + " parts";
    }
    head += "; Esc puts it back in the input line.";
    add({{p.note + head, style::status_hl}}, 2);
    std::string_view rest = p.text;
    for (std::size_t shown = 0; shown < paste_ask_lines && !rest.empty(); ++shown) {
        const std::size_t nl = rest.find('\n');
        add({{"  | " + chat::utf8::sanitize(rest.substr(0, nl)), style::pending}}, 4);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    if (p.lines > paste_ask_lines) {
        add({{"  ... " + std::to_string(p.lines - paste_ask_lines) + " more lines", style::pending}}, 0);
    }
    return out;
}

std::string history_separator(std::size_t count) {
    return "--- end of history: " + std::to_string(count) + (count == 1 ? " earlier message" : " earlier messages") +
           " ---";
}

namespace {

int cols_of(std::string_view s) { return static_cast<int>(chat::utf8::display_width(s)); }

// Where the rows after a line's first start: under the text, past the time and the nick, so a
// long message reads as a block; a table-like info line (help, room lists) continues under its
// second column. Too deep for the width, it falls back to just past the time.
int hanging_indent(const std::vector<run>& p, const chat_line& l, int width) {
    int indent = line_indent;
    const bool talk = l.what == kind::message || (l.what == kind::pm && !l.action);
    if ((talk || l.what == kind::action) && p.size() >= 2) {
        indent = 0;
        // Up to the text run: an offline pm's note comes after it.
        const std::size_t after_text = l.what == kind::pm && l.offline ? 2 : 1;
        for (std::size_t i = 0; i + after_text < p.size(); ++i) indent += cols_of(p[i].text);
        if (l.what == kind::action) indent += 1;  // the text run starts with the space after the nick
    } else if (l.what == kind::info && p.size() == 2) {
        const std::string& text = p[1].text;
        const std::size_t word = text.find_first_not_of(' ');
        const std::size_t gap = word == std::string::npos ? std::string::npos : text.find("  ", word);
        const std::size_t column = gap == std::string::npos ? std::string::npos : text.find_first_not_of(' ', gap);
        if (column != std::string::npos) indent = cols_of(p[0].text) + cols_of(std::string_view(text).substr(0, column));
    }
    return indent * 2 <= width ? indent : line_indent;
}

}  // namespace

namespace {

style activity_style(activity a) {
    switch (a) {
    case activity::none: return style::status;
    case activity::notice: return style::act_notice;
    case activity::message: return style::act_message;
    case activity::private_msg: return style::act_private;
    case activity::mention: return style::act_mention;
    }
    return style::status;
}

std::string state_text(const model& m) {
    switch (m.state) {
    case conn_state::connecting: return "connecting";
    case conn_state::registering: return "registering";
    case conn_state::online: return "online";
    case conn_state::closed: return m.quit_requested ? "closing" : "disconnected";
    case conn_state::waiting: {
        const auto left = std::max<std::int64_t>(0, m.reconnect_at - steady_ms());
        return "reconnecting in " + std::to_string((left + 999) / 1000) + "s";
    }
    }
    return {};
}

int runs_width(const std::vector<run>& runs) {
    int n = 0;
    for (const auto& r : runs) n += cols_of(r.text);
    return n;
}

std::vector<run> status_left(const model& m, bool address, bool all_windows, bool long_words) {
    std::vector<run> out;
    const window& cw = current_window(m);
    out.push_back({" " + m.nick + (m.away.empty() ? "" : " (away)") + (address ? " @ " + m.address : ""), style::status});
    // Ctrl-R: the mode and the query come first, so a narrow bar keeps them.
    if (const std::string s = search_status(m); !s.empty()) out.push_back({" | " + s, style::status_hl});
    const bool room_shown = !m.windows.empty() && !cw.query;
    if (room_shown) {
        // Offline the member list is from before the drop: no count rather than a stale one.
        const std::string count = cw.joining ? "joining" : !cw.joined ? "not joined"
                                  : m.state != conn_state::online ? "offline" : std::to_string(cw.members.size());
        out.push_back({" | " + cw.name + " (" + count + ")", style::status});
    }
    if (m.windows.size() > 1) {
        out.push_back({" |", style::status});
        std::size_t left_out = 0;
        for (std::size_t i = 0; i < m.windows.size(); ++i) {
            const window& w = m.windows[i];
            // Short of room, only windows with something new are listed (the current one too,
            // unless the room part just named it).
            const bool named = i == m.current && !room_shown;
            if (!all_windows && !named && (i == m.current || w.unread == 0)) {
                if (i != m.current) ++left_out;
                continue;
            }
            std::string label = std::to_string(i + 1) + ":" + w.name;
            if (w.unread > 0) label += "(" + std::to_string(w.unread) + (w.mentioned ? "!" : "") + ")";
            // The current window is bracketed; windows that named us or hold private lines light up.
            label = i == m.current ? " [" + label + "]" : " " + label;
            out.push_back({label, i != m.current ? activity_style(w.act) : style::status});
        }
        if (left_out > 0) out.push_back({" +" + std::to_string(left_out), style::status});
    }
    if (const std::size_t n = lines_below(cw); n > 0) {
        out.push_back({" | " + std::to_string(n) + (long_words ? " more below, PgDn" : " below"), style::status_hl});
        // Something named us down there while we read back.
        if (cw.mention_below) out.push_back({" (you were named!)", style::act_mention});
    }
    if (!m.pending.empty()) {
        out.push_back({" | " + std::to_string(m.pending.size()) + " pending", style::status_hl});
    }
    return out;
}

}  // namespace

status_bar status_line(const model& m, int width) {
    status_bar bar;
    bar.right = {state_text(m), m.state == conn_state::online ? style::status : style::status_hl};
    const int room = width - cols_of(bar.right.text) - 2;
    // From the most to the least complete, the first that fits; the last is cut at the edge.
    const bool tries[][3] = {{true, true, true}, {false, true, true}, {false, false, true}, {false, false, false}};
    for (const auto& t : tries) {
        bar.left = status_left(m, t[0], t[1], t[2]);
        if (runs_width(bar.left) <= room) break;
    }
    return bar;
}

std::vector<row> line_rows(const model& m, const window& w, std::size_t index, int width, int today) {
    std::vector<row> out;
    if (index >= w.lines.size()) return out;
    const chat_line& l = w.lines[index];
    auto append = [&](std::vector<row> rows) {
        for (auto& r : rows) out.push_back(std::move(r));
    };
    // Times show only hours and minutes, so a new day (or a backlog from another day) gets a line
    // of its own.
    const int day = day_key(l.ts);
    const int before = index > 0 ? day_key(w.lines[index - 1].ts) : today;
    if (day != before || (index == 0 && day != today)) {
        append(wrap({{"- " + day_text(l.ts) + " -", style::dim}}, width, 0));
    }
    if (w.marker != 0 && l.seq == w.marker) {
        append(wrap({{"-- new since you last looked --", style::highlight}}, width, 0));
    }
    auto parts = pieces(m, w, l);
    const int indent = hanging_indent(parts, l, width);
    if (is_search_match(m, w, index)) mark_matches(parts, m.isearch.query);
    append(wrap(parts, width, indent));
    const bool history_ends = l.history && (index + 1 == w.lines.size() || !w.lines[index + 1].history);
    if (history_ends) {
        std::size_t count = 0;
        for (std::size_t i = index + 1; i-- > 0 && w.lines[i].history;) ++count;
        append(wrap({{history_separator(count), style::dim}}, width, 0));
    }
    return out;
}

void scroll_rows(const model& m, window& w, long rows, int width, int height) {
    const int today = day_key(m.now.utc_ms);
    const std::size_t n = w.lines.size();
    std::vector<long> sizes(n);
    for (std::size_t i = 0; i < n; ++i) sizes[i] = static_cast<long>(line_rows(m, w, i, width, today).size());
    // Rows below the pane now, and in all.
    const std::size_t hidden = std::min(w.scroll, n);
    long below = static_cast<long>(w.scroll_cut);
    long total = 0;
    for (std::size_t i = 0; i < n; ++i) {
        total += sizes[i];
        if (i >= n - hidden) below += sizes[i];
    }
    long rest = std::clamp(below + rows, 0L, std::max(0L, total - static_cast<long>(std::max(height, 1))));
    w.scroll = 0;
    w.scroll_cut = 0;
    for (std::size_t i = n; i-- > 0 && rest > 0;) {
        if (rest >= sizes[i]) {
            rest -= sizes[i];
            ++w.scroll;
        } else {
            w.scroll_cut = static_cast<std::size_t>(rest);
            rest = 0;
        }
    }
}

std::size_t lines_below(const window& w) {
    return std::min(w.scroll, w.lines.size()) + (w.scroll_cut > 0 && w.scroll < w.lines.size() ? 1 : 0);
}

int row_width(const row& r) {
    int cols = 0;
    for (const auto& piece : r) cols += static_cast<int>(chat::utf8::display_width(piece.text));
    return cols;
}

std::string input_prompt(const model& m) {
    if (m.isearch.what == search_state::mode::history) return "history> ";
    return (m.windows.empty() ? std::string("(no room)") : current_window(m).name) + "> ";
}

int input_room(const model& m, int width) {
    const int prompt_cols = static_cast<int>(chat::utf8::display_width(input_prompt(m)));
    return prompt_cols * 3 <= width ? width - prompt_cols : width;
}

}  // namespace chat::client
