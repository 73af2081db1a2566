// The part of update that makes sure a sent line is neither lost nor sent twice when the connection
// dies before the server answered it (see model::unanswered).
#include <algorithm>
#include <optional>

#include "frame_fields.hpp"
#include "outgoing.hpp"
#include "update.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

// How long a reconnect waits for the rooms' replays before it gives up on knowing.
constexpr std::int64_t settle_ms = 5000;

std::string raw_text(const json& body, const char* key) {
    const auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What a kept line holds in memory: short lines are mostly the entry itself.
std::size_t cost(const sent_line& s) { return sizeof(sent_line) + s.line.text.size() + s.line.window.size(); }

replay_wait* wait_for(model& m, std::string_view room, bool query = false) {
    const auto it = std::find_if(m.replays.begin(), m.replays.end(),
                                 [&](const replay_wait& w) { return w.query == query && same_nick(w.room, room); });
    return it == m.replays.end() ? nullptr : &*it;
}

// At most this many conversations are asked for their newest page after a reconnect: each request
// counts against the server's rate limit, as the rejoins do.
constexpr std::size_t max_settle_pages = 3;

// A line nothing can confirm: said where it was written, on stderr in line mode, and counted.
void uncertain(model& m, const sent_line& s) {
    ++m.uncertain;
    ++m.refused;
    const std::string text = chat::utf8::sanitize(s.line.text);
    const std::string where = s.line.query ? "to " + s.line.window : "in " + s.line.window;
    const auto i = find_window(m, s.line.window);
    window& w = i ? m.windows[*i] : current_window(m);
    add_line(m, w, make_line(kind::error, "may not have arrived (the connection dropped before the server answered): " + text));
    if (m.line_mode) {
        m.refusals.push_back("may not have arrived " + where + " (the connection dropped before the server answered): " + text);
    }
}

// Settling ends: lines whose room's whole replay came without them go back to the front of
// `pending`, in order; the others may not have arrived.
void finish(model& m) {
    std::vector<pending_line> back;
    for (auto& s : m.unsettled) {
        const replay_wait* w = wait_for(m, s.line.window, s.line.query);
        if (w != nullptr && w->left == 0 && w->complete) {
            back.push_back(std::move(s.line));
        } else {
            uncertain(m, s);
        }
    }
    m.unsettled.clear();
    m.replays.clear();
    for (auto it = back.rbegin(); it != back.rend(); ++it) {
        it->local_id = m.next_local_id++;
        chat_line l = make_line(kind::pending, chat::utf8::sanitize_lines(it->text));
        l.from = m.nick;
        l.self = true;
        l.action = it->action;
        l.local_id = it->local_id;
        add_line(m, m.windows[open_window(m, it->window, it->query)], std::move(l), false);
        m.pending_bytes += it->text.size();
        m.pending.push_front(std::move(*it));
    }
    if (!back.empty()) {
        add_info(m, "sending " + std::to_string(back.size()) + (back.size() == 1 ? " line" : " lines") +
                        " again: the server did not get " + (back.size() == 1 ? "it" : "them") + " before the connection dropped");
    }
}

// Finishes settling once every awaited replay is complete; true if it did.
bool maybe_finish(model& m, effects& fx) {
    if (!m.unsettled.empty() &&
        !std::all_of(m.replays.begin(), m.replays.end(), [](const replay_wait& w) { return w.left == 0; })) return false;
    finish(m);
    if (m.state == conn_state::online) flush_pending(m, fx);
    return true;
}

}  // namespace

void note_sent(model& m, const pending_line& p) {
    ++m.in_flight;
    m.in_flight_at = m.now.steady_ms;
    m.unanswered.push_back({p, m.nick});
    m.unanswered_bytes += cost(m.unanswered.back());
}

namespace {

// The unanswered line a say/pm frame (ours, or its echo) is about.
std::deque<sent_line>::iterator find_unanswered(model& m, const chat::frame& f) {
    const bool query = f.type == "pm";
    const std::string target = text_of(f.body, query ? "to" : "room");
    const std::string text = raw_text(f.body, "text");
    return std::find_if(m.unanswered.begin(), m.unanswered.end(), [&](const sent_line& s) {
        return s.line.query == query && s.line.text == text && same_nick(s.line.window, target);
    });
}

void drop_unanswered(model& m, std::deque<sent_line>::iterator it) {
    m.unanswered_bytes -= std::min(m.unanswered_bytes, cost(*it));
    m.unanswered.erase(it);
}

}  // namespace

void note_echo(model& m, const chat::frame& f) {
    const auto it = find_unanswered(m, f);
    if (it == m.unanswered.end()) return;
    // The server answers in order: lines before this one were answered by frames not recognised.
    for (auto k = m.unanswered.begin(); k != std::next(it); ++k) m.unanswered_bytes -= std::min(m.unanswered_bytes, cost(*k));
    m.unanswered.erase(m.unanswered.begin(), std::next(it));
}

void note_refused(model& m, const chat::json& body) {
    const bool query = text_of(body, "about") == "pm";
    const auto it = std::find_if(m.unanswered.begin(), m.unanswered.end(),
                                 [&](const sent_line& s) { return s.line.query == query; });
    if (it == m.unanswered.end()) return;
    drop_unanswered(m, it);
}

bool settling(const model& m) { return !m.unsettled.empty(); }

bool all_answered(const model& m) { return m.unanswered.empty() && m.unsettled.empty(); }

std::size_t begin_settling(model& m, bool same_server, effects& fx) {
    for (auto& s : m.unanswered) m.unsettled.push_back(std::move(s));
    m.unanswered.clear();
    m.unanswered_bytes = 0;
    m.replays.clear();
    m.pages_due.clear();
    std::size_t asked = 0;
    // Only the same server instance keeps its ids and history. Conversations with our pms in doubt
    // come first, then the other open ones, as far as the cap goes.
    if (same_server && m.history_pages) {
        auto ask = [&](const std::string& nick) {
            if (asked == max_settle_pages) return;
            const bool due = std::any_of(m.pages_due.begin(), m.pages_due.end(),
                                         [&](const model::page_due& d) { return same_nick(d.nick, nick); });
            if (due) return;
            const auto i = find_window(m, nick);
            m.pages_due.push_back({nick, i ? m.windows[*i].max_id : 0});
            fx.frames.push_back(outgoing::history(nick, true, 0, static_cast<std::int64_t>(chat::max_history_page)));
            ++asked;
        };
        for (const auto& s : m.unsettled) {
            if (s.line.query) ask(s.line.window);
        }
        for (const auto& w : m.windows) {
            if (w.query && w.max_id > 0) ask(w.name);
        }
    }
    if (m.unsettled.empty()) return asked;
    m.settle_by = m.now.steady_ms + settle_ms;
    // A line stored by the server shows in the replay of what we missed (rooms), or on the newest
    // page of its conversation (pms). Rooms not rejoined, pms without a page, and another instance
    // tell nothing.
    if (same_server) {
        for (const auto& s : m.unsettled) {
            if (wait_for(m, s.line.window, s.line.query) != nullptr) continue;
            if (s.line.query) {
                const auto d = std::find_if(m.pages_due.begin(), m.pages_due.end(),
                                            [&](const model::page_due& p) { return same_nick(p.nick, s.line.window); });
                if (d != m.pages_due.end()) m.replays.push_back({d->nick, -1, true, true});
                continue;
            }
            const auto i = find_window(m, s.line.window);
            if (!i || m.windows[*i].query || (!m.windows[*i].joined && !m.windows[*i].joining)) continue;
            m.replays.push_back({m.windows[*i].name, -1, true});
        }
    }
    if (m.replays.empty()) finish(m);
    return asked;
}

std::optional<std::int64_t> take_page_due(model& m, const chat::json& body) {
    if (!body.contains("nick")) return std::nullopt;
    const std::string peer = text_of(body, "nick");
    const auto it = std::find_if(m.pages_due.begin(), m.pages_due.end(),
                                 [&](const model::page_due& d) { return same_nick(d.nick, peer); });
    if (it == m.pages_due.end()) return std::nullopt;
    const std::int64_t seen = it->seen;
    m.pages_due.erase(it);
    return seen;
}

void settle_history(model& m, const chat::json& body, std::int64_t seen, effects& fx) {
    if (!settling(m)) return;
    const std::string peer = text_of(body, "nick");
    replay_wait* w = wait_for(m, peer, true);
    if (w == nullptr || w->left >= 0) return;
    std::int64_t lowest = 0;
    if (const auto it = body.find("messages"); it != body.end() && it->is_array()) {
        for (const auto& f : *it) {
            if (!f.is_object()) continue;
            const std::int64_t id = int_of(f, "id");
            if (id <= 0) continue;
            if (lowest == 0 || id < lowest) lowest = id;
            if (id <= seen) continue;
            const std::string from = raw_text(f, "from");
            const std::string text = raw_text(f, "text");
            const auto s = std::find_if(m.unsettled.begin(), m.unsettled.end(), [&](const sent_line& u) {
                return u.line.query && same_nick(u.line.window, peer) && same_nick(u.nick, from) && u.line.text == text;
            });
            if (s != m.unsettled.end()) m.unsettled.erase(s);
        }
    }
    w->left = 0;
    // Everything after what the window showed is on the page when the page reaches back to it (or
    // to the start of the conversation): a pm of ours not on it did not arrive.
    w->complete = bool_of(body, "complete") || (lowest > 0 && seen > 0 && lowest <= seen);
    maybe_finish(m, fx);
}

void page_refused(model& m, const std::string& nick, effects& fx) {
    // The server answers in order and the reconnect's pages were asked first: an error naming no
    // nick is about the oldest page still due.
    const auto due = std::find_if(m.pages_due.begin(), m.pages_due.end(), [&](const model::page_due& d) {
        return nick.empty() || same_nick(d.nick, nick);
    });
    if (due == m.pages_due.end()) return;
    const std::string peer = due->nick;
    m.pages_due.erase(due);
    if (!settling(m)) return;
    const auto it = std::find_if(m.replays.begin(), m.replays.end(), [&](const replay_wait& w) {
        return w.query && w.left < 0 && same_nick(w.room, peer);
    });
    if (it == m.replays.end()) return;
    it->left = 0;
    it->complete = false;
    maybe_finish(m, fx);
}

namespace {

std::string unsent_reason(std::int64_t why) {
    if (why == net_event::unsent_full) return "the server is not reading what this client sends";
    if (why == net_event::unsent_cut) return "the connection dropped before it went out";
    return "the connection had just dropped";
}

}  // namespace

void note_unsent(model& m, const net_event& ev, effects& fx) {
    const auto r = chat::decode(ev.text, 8);
    if (!r) return;  // only frames this client encoded come back
    const chat::frame& f = *r.value;
    const std::string why = unsent_reason(ev.number);
    // Registration and keep-alive are redone by the next connection; a quit needs no answer.
    if (f.type == "hello" || f.type == "quit" || f.type == "ping" || f.type == "pong") return;
    if (f.type == "say" || f.type == "pm") {
        // A dropped connection leaves it unanswered: the reconnect's settling sends it again or
        // says it may not have arrived. A full queue means it never will be answered: refused now.
        if (ev.number != net_event::unsent_full) return;
        const bool query = f.type == "pm";
        const std::string target = text_of(f.body, query ? "to" : "room");
        const std::string text = raw_text(f.body, "text");
        if (const auto it = find_unanswered(m, f); it != m.unanswered.end()) drop_unanswered(m, it);
        note_answered(m);
        ++m.refused;
        const std::string shown = "not sent (" + why + "): " + chat::utf8::sanitize(text);
        const auto i = find_window(m, target);
        add_line(m, i ? m.windows[*i] : current_window(m), make_line(kind::error, shown));
        if (m.line_mode) m.refusals.push_back("not sent " + std::string(query ? "to " : "in ") + target + " (" + why + "): " + text);
        return;
    }
    std::string what = f.type;
    for (const char* key : {"room", "nick", "to", "words"}) {
        const std::string v = raw_text(f.body, key);
        if (!v.empty()) {
            what += " " + chat::utf8::sanitize(v);
            break;
        }
    }
    const std::string place = f.body.contains("room") ? text_of(f.body, "room") : text_of(f.body, "nick");
    window* w = nullptr;
    if (!place.empty()) {
        if (const auto i = find_window(m, place)) w = &m.windows[*i];
    }
    if (f.type == "history" && w != nullptr) w->fetching = false;
    std::string shown = "not sent (" + why + "): " + what;
    if (f.type == "join" && w != nullptr && ev.number != net_event::unsent_full) {
        shown += "; it is sent again when the connection is back";
    } else if (f.type == "join" && w != nullptr) {
        w->joining = false;
    }
    add_line(m, w != nullptr ? *w : current_window(m), make_line(kind::error, shown));
    if (f.type == "history" && f.body.contains("nick")) page_refused(m, place, fx);
}

void settle_joined(model& m, const std::string& room, std::int64_t replayed, effects& fx) {
    replay_wait* w = wait_for(m, room);
    if (w == nullptr || w->left >= 0) return;
    w->left = std::max<std::int64_t>(0, replayed);
    // A replay of the most the server keeps may have left older messages out.
    w->complete = m.lim.history == 0 || replayed < static_cast<std::int64_t>(m.lim.history);
    maybe_finish(m, fx);
}

void settle_replayed(model& m, const chat::json& body, effects& fx) {
    const std::string room = text_of(body, "room");
    replay_wait* w = wait_for(m, room);
    const auto i = find_window(m, room);
    if (w == nullptr || w->left <= 0 || !i) return;
    --w->left;
    // What the window showed before is not news; a line of ours past it arrived.
    if (int_of(body, "id") > m.windows[*i].max_id) {
        const std::string from = raw_text(body, "from");
        const std::string text = raw_text(body, "text");
        const auto it = std::find_if(m.unsettled.begin(), m.unsettled.end(), [&](const sent_line& s) {
            return !s.line.query && same_nick(s.line.window, room) && same_nick(s.nick, from) && s.line.text == text;
        });
        if (it != m.unsettled.end()) m.unsettled.erase(it);
    }
    maybe_finish(m, fx);
}

void settle_refused(model& m, const std::string& room, effects& fx) {
    replay_wait* w = wait_for(m, room);
    if (w == nullptr) return;
    w->left = 0;
    w->complete = false;
    maybe_finish(m, fx);
}

void settle_tick(model& m, effects& fx) {
    if (!settling(m) || m.now.steady_ms < m.settle_by) return;
    for (auto& w : m.replays) {
        if (w.left != 0) {
            w.left = 0;
            w.complete = false;
        }
    }
    maybe_finish(m, fx);
}

void give_up_unanswered(model& m) {
    for (const auto& s : m.unsettled) uncertain(m, s);
    for (const auto& s : m.unanswered) uncertain(m, s);
    m.unsettled.clear();
    m.replays.clear();
    m.unanswered.clear();
    m.unanswered_bytes = 0;
}

}  // namespace chat::client
