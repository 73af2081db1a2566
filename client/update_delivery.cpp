// The part of update that makes sure a sent line is neither lost nor sent twice when the connection
// dies before the server answered it (see model::unanswered).
#include <algorithm>

#include "frame_fields.hpp"
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

replay_wait* wait_for(model& m, std::string_view room) {
    const auto it = std::find_if(m.replays.begin(), m.replays.end(),
                                 [&](const replay_wait& w) { return same_nick(w.room, room); });
    return it == m.replays.end() ? nullptr : &*it;
}

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
        const replay_wait* w = s.line.query ? nullptr : wait_for(m, s.line.window);
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

void note_echo(model& m, const chat::frame& f) {
    const bool query = f.type == "pm";
    const std::string target = text_of(f.body, query ? "to" : "room");
    const std::string text = raw_text(f.body, "text");
    const auto it = std::find_if(m.unanswered.begin(), m.unanswered.end(), [&](const sent_line& s) {
        return s.line.query == query && s.line.text == text && same_nick(s.line.window, target);
    });
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
    m.unanswered_bytes -= std::min(m.unanswered_bytes, cost(*it));
    m.unanswered.erase(it);
}

bool settling(const model& m) { return !m.unsettled.empty(); }

bool all_answered(const model& m) { return m.unanswered.empty() && m.unsettled.empty(); }

void begin_settling(model& m, bool same_server) {
    for (auto& s : m.unanswered) m.unsettled.push_back(std::move(s));
    m.unanswered.clear();
    m.unanswered_bytes = 0;
    m.replays.clear();
    if (m.unsettled.empty()) return;
    m.settle_by = m.now.steady_ms + settle_ms;
    // Only the same server instance keeps its ids and history: a line it stored shows in the replay
    // of what we missed. Rooms not rejoined, private messages (no replay) and another instance tell
    // nothing.
    if (same_server) {
        for (const auto& s : m.unsettled) {
            if (s.line.query || wait_for(m, s.line.window) != nullptr) continue;
            const auto i = find_window(m, s.line.window);
            if (!i || m.windows[*i].query || (!m.windows[*i].joined && !m.windows[*i].joining)) continue;
            m.replays.push_back({m.windows[*i].name, -1, true});
        }
    }
    if (m.replays.empty()) finish(m);
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
