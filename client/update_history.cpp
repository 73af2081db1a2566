// The part of update that reaches into the server's stored history: PgUp past the top of a window
// asks for the page above it (`history`), and /search shows what the server found (`search`).
#include <algorithm>
#include <ctime>
#include <deque>

#include "format.hpp"
#include "frame_fields.hpp"
#include "outgoing.hpp"
#include "update.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

// A stored message (a message or pm frame) as a window line, marked as history.
chat_line stored_line(const model& m, const json& f) {
    chat_line l;
    l.action = bool_of(f, "action");
    const bool is_pm = text_of(f, "type") == "pm";
    l.what = is_pm ? kind::pm : l.action ? kind::action : kind::message;
    l.ts = ts_of(f);
    l.from = text_of(f, "from");
    l.to = text_of(f, "to");
    l.text = text_of(f, "text");
    l.history = true;
    l.self = same_nick(l.from, m.nick);
    return l;
}

std::size_t line_bytes(const chat_line& l) { return l.text.size() + l.from.size() + l.to.size(); }

// "2026-12-01" in local time.
std::string date_text(std::int64_t utc_ms) {
    const std::time_t t = static_cast<std::time_t>(utc_ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace

void send_counted(model& m, effects& fx, std::string frame) {
    // history, search and who count against the server's rate limit like join and topic.
    if (!take_token(m)) m.tokens -= 1.0;
    fx.frames.push_back(std::move(frame));
}

void note_features(model& m, const json& welcome) {
    m.history_pages = false;
    m.search = false;
    const auto it = welcome.find("features");
    if (it == welcome.end() || !it->is_array()) return;
    for (const auto& f : *it) {
        if (!f.is_string()) continue;
        if (f == "history_pages") m.history_pages = true;
        if (f == "search") m.search = true;
    }
}

void note_oldest(window& w, std::int64_t id) {
    if (id > 0 && (w.oldest_id == 0 || id < w.oldest_id)) w.oldest_id = id;
}

void request_older(model& m, window& w, effects& fx) {
    if (!m.history_pages || m.state != conn_state::online || w.fetching || w.history_start) return;
    if (&w == &m.status || (!w.query && !w.joined)) return;
    if (w.lines.size() >= m.max_lines) return;  // the window holds all it may
    w.fetching = true;
    send_counted(m, fx, outgoing::history(w.name, w.query, w.oldest_id, static_cast<std::int64_t>(chat::max_history_page)));
}

void on_history(model& m, const json& body) {
    const bool query = body.contains("nick");
    const std::string name = text_of(body, query ? "nick" : "room");
    const auto i = find_window(m, name);
    if (!i) return;
    window& w = m.windows[*i];
    w.fetching = false;
    const auto it = body.find("messages");
    std::vector<std::pair<std::int64_t, chat_line>> older;  // oldest first, as the server sends them
    if (it != body.end() && it->is_array()) {
        for (const auto& f : *it) {
            if (!f.is_object()) continue;
            const std::int64_t id = int_of(f, "id");
            // Only what is older than everything held: a page never shows a line twice.
            if (id <= 0 || (w.oldest_id > 0 && id >= w.oldest_id)) continue;
            if (!older.empty() && id <= older.back().first) continue;  // out of order: not trusted
            older.emplace_back(id, stored_line(m, f));
        }
    }
    // The window's cap keeps the newest of the page; the rest stays on the server.
    const std::size_t room_left = m.max_lines > w.lines.size() ? m.max_lines - w.lines.size() : 0;
    const bool cut = older.size() > room_left;
    if (cut) older.erase(older.begin(), older.end() - static_cast<std::ptrdiff_t>(room_left));
    if (!older.empty()) {
        w.oldest_id = older.front().first;
        w.max_id = std::max(w.max_id, older.back().first);
        std::deque<chat_line> lines;
        for (auto& [id, l] : older) {
            w.bytes += line_bytes(l);
            lines.push_back(std::move(l));
        }
        w.lines.insert(w.lines.begin(), std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end()));
    }
    if (bool_of(body, "complete") && !cut) {
        w.history_start = true;
        // Not itself history: the "end of history: N earlier messages" line counts messages only.
        chat_line start = make_line(kind::info, "start of history");
        start.ts = w.lines.empty() ? start.ts : w.lines.front().ts;
        w.bytes += line_bytes(start);
        w.lines.push_front(std::move(start));
    }
}

void on_search(model& m, const json& body) {
    const std::string words = text_of(body, "words");
    const std::string room = text_of(body, "room");
    const auto it = body.find("results");
    const std::size_t n = it != body.end() && it->is_array() ? it->size() : 0;
    std::string head = "search \"" + words + "\"" + (room.empty() ? "" : " in " + room) + ": ";
    head += n == 0 ? "nothing found" : std::to_string(n) + (n == 1 ? " message" : " messages") + ", newest first";
    add_info(m, head);
    if (n == 0) return;
    for (const auto& f : *it) {
        if (!f.is_object()) continue;
        const chat_line l = stored_line(m, f);
        const std::int64_t id = int_of(f, "id");
        std::string where = l.what == kind::pm ? l.from + " -> " + l.to : text_of(f, "room");
        std::string text = "  " + date_text(l.ts) + " " + clock_text(l.ts) + "  " + where + "  ";
        text += l.action ? "* " + l.from + " " + l.text : "<" + l.from + "> " + l.text;
        text += "  (id " + std::to_string(id) + ")";
        add_info(m, text);
    }
}

bool do_search(model& m, std::string_view words, const std::string& room, effects& fx) {
    if (m.state != conn_state::online) {
        add_info(m, "not connected", kind::error);
        return true;
    }
    if (!m.search) {
        add_info(m, "this server cannot search its history", kind::error);
        return true;
    }
    send_counted(m, fx, outgoing::search(words, room));
    return true;
}

}  // namespace chat::client
