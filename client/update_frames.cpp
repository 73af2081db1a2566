// The part of update that shows frames from the server: messages, joins, parts, topics, lists,
// errors. What a frame means for the session itself (welcome, registration) is update_session.cpp.
#include <algorithm>
#include <array>
#include <optional>

#include "frame_fields.hpp"
#include "notify.hpp"
#include "outgoing.hpp"
#include "protocol.hpp"
#include "update.hpp"
#include "update_session.hpp"
#include "user_commands.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

chat_line notice(std::string text, std::int64_t ts) {
    chat_line l = make_line(kind::notice, std::move(text));
    l.ts = ts;
    return l;
}

// Nicks in the order a reader looks for them: alphabetical, case ignored.
void sort_nicks(std::vector<std::string>& nicks) {
    std::sort(nicks.begin(), nicks.end(), [](const std::string& a, const std::string& b) { return chat::fold(a) < chat::fold(b); });
}

// The window an event about `room` belongs to, or the current one when that room is not open.
window& room_or_current(model& m, std::string_view room) {
    if (!room.empty()) {
        if (auto i = find_window(m, room)) return m.windows[*i];
    }
    return current_window(m);
}

// The window's "joining #room..." line becomes the answer to it, so one join reads as one line on
// screen; the answer is new all the same to line mode's output (which never showed the "joining"
// line) and to the log. False if there is no such line.
bool replace_joining_line(model& m, window& w, chat_line& answer) {
    for (auto it = w.lines.rbegin(); it != w.lines.rend(); ++it) {
        if (it->what != kind::info || !it->text.starts_with("joining #") || !it->text.ends_with("...")) continue;
        replace_line(m, w, *it, std::move(answer));
        return true;
    }
    return false;
}

void on_joined(model& m, const json& body, effects& fx) {
    const std::string room = text_of(body, "room");
    if (room.empty()) return;
    if (m.drop_lobby && same_nick(room, chat::default_room)) {
        m.drop_lobby = false;
        return;
    }
    const bool existed = find_window(m, room).has_value();
    const std::size_t i = open_window(m, room, false);
    window& w = m.windows[i];
    const bool was_joining = w.joining;
    w.seen_at_join = w.max_id;
    w.joined = true;
    w.joining = false;
    w.members = list_of(body, "members");
    w.topic = text_of(body, "topic");
    std::string text = (existed && !was_joining && !w.lines.empty() ? "rejoined " : "you joined ") + room;
    std::vector<std::string> others = w.members;
    std::erase_if(others, [&](const std::string& n) { return same_nick(n, m.nick); });
    // A quiet room (feature quiet_rooms) sends a count, not the list: the list is asked for once.
    w.quiet = bool_of(body, "quiet");
    if (w.quiet) {
        text += " (" + std::to_string(int_of(body, "count")) + " members; a quiet room: joins and parts are not shown)";
        if (std::none_of(m.quiet_who.begin(), m.quiet_who.end(), [&](const std::string& r) { return same_nick(r, room); })) {
            m.quiet_who.push_back(room);
            send_counted(m, fx, outgoing::who(room));
        }
    } else if (others.empty()) {
        text += " (nobody else is here)";
    } else if (others.size() <= 12) {
        sort_nicks(others);
        text += " with";
        for (std::size_t k = 0; k < others.size(); ++k) text += (k == 0 ? " " : ", ") + others[k];
    } else {
        text += " (" + std::to_string(w.members.size()) + " members)";
    }
    if (!w.topic.empty()) text += " -- topic: " + w.topic;
    chat_line joined_line = notice(text, m.now.utc_ms);
    if (!was_joining || !replace_joining_line(m, w, joined_line)) add_line(m, w, std::move(joined_line));
    // The server relays but cannot store (a disk fault it has logged): say so where it matters.
    if (text_of(body, "store") == "failing") {
        add_line(m, w, make_line(kind::error, "the server cannot write its history to disk now: what is said in " + room +
                                                   " is relayed, and kept in the server's memory until its disk works again"));
    }
    if (!m.ever_joined && !m.line_mode) {
        add_line(m, w, make_line(kind::info, "type /help for commands; Alt-1..9 or Ctrl-N/Ctrl-P switch windows"));
    }
    m.ever_joined = true;
    // After a reconnect, the replay that follows tells which unanswered lines arrived.
    if (settling(m)) settle_joined(m, room, int_of(body, "history"), fx);
    // Lines typed while the join was on its way go now.
    if (was_joining && m.state == conn_state::online) flush_pending(m, fx);
}

// A refused join: the window that was waiting for it says why, and its waiting lines are not sent.
bool on_join_refused(model& m, const json& body, const std::string& text) {
    const std::string room = text_of(body, "room");
    std::optional<std::size_t> at;
    for (std::size_t i = 0; i < m.windows.size() && !at; ++i) {
        if (m.windows[i].joining && (room.empty() || same_nick(m.windows[i].name, room))) at = i;
    }
    if (!at) return false;
    window& w = m.windows[*at];
    w.joining = false;
    std::erase_if(m.pending, [&](const pending_line& p) {
        if (p.query || !same_nick(p.window, w.name)) return false;
        m.pending_bytes -= std::min(m.pending_bytes, p.text.size());
        ++m.refused;
        if (m.line_mode) m.refusals.push_back("not sent to " + w.name + " (could not join): " + chat::utf8::sanitize(p.text));
        return true;
    });
    for (auto& l : w.lines) {
        if (l.what == kind::pending) l.what = kind::unsent;
    }
    add_line(m, w, make_line(kind::error, "could not join " + w.name + ": " + text + " (/part closes this window)"));
    return true;
}

void on_message(model& m, const json& body) {
    const std::string room = text_of(body, "room");
    const auto i = find_window(m, room);
    if (!i) return;  // a room we just left
    window& w = m.windows[*i];
    const std::int64_t id = int_of(body, "id");
    if (id > 0 && id <= w.max_id) return;  // seen already (history replayed after a reconnect)
    // History newer than what this window showed before the rejoin was said while we were away (on
    // the same server): it is news to the reader, so it is shown, counted and highlighted as live.
    const bool missed = w.seen_at_join > 0 && id > w.seen_at_join;
    if (id > 0) w.max_id = id;
    note_oldest(w, id);
    chat_line l;
    l.action = bool_of(body, "action");
    l.what = l.action ? kind::action : kind::message;
    l.ts = ts_of(body);
    l.from = text_of(body, "from");
    l.text = lines_of(body, "text");
    l.history = bool_of(body, "history") && !missed;
    l.self = same_nick(l.from, m.nick);
    if (!l.self && is_ignored(m, l.from)) return;  // /ignore
    add_line(m, w, std::move(l));
}

void on_pm(model& m, const json& body) {
    chat_line l;
    l.what = kind::pm;
    l.ts = ts_of(body);
    l.from = text_of(body, "from");
    l.to = text_of(body, "to");
    l.text = lines_of(body, "text");
    l.action = bool_of(body, "action");
    l.offline = bool_of(body, "offline");
    l.self = same_nick(l.from, m.nick);
    if (!l.self && is_ignored(m, l.from)) return;  // /ignore: not shown, no window opened
    const std::string peer = l.self ? l.to : l.from;
    if (peer.empty()) return;
    if (!find_window(m, peer) && m.windows.size() >= m.max_windows) {
        // Past the window cap (a flood of senders) the line still shows, where the user looks.
        add_line(m, current_window(m), std::move(l));
        return;
    }
    if (l.self) {
        // Delivered: it can no longer come back to the input line.
        const auto it = std::find_if(m.sent_pms.begin(), m.sent_pms.end(), [&](const pending_line& p) {
            return same_nick(p.window, peer) && chat::utf8::sanitize(p.text) == l.text;
        });
        if (it != m.sent_pms.end()) m.sent_pms.erase(it);
    }
    const std::size_t i = open_window(m, peer, true);
    window& w = m.windows[i];
    const std::int64_t id = int_of(body, "id");
    if (id > 0 && id <= w.max_id) return;
    if (id > 0) w.max_id = id;
    note_oldest(w, id);
    // A private message is never missed: a copy shows in the room being looked at.
    if (!m.windows.empty() && m.current != i && !m.windows[m.current].query) {
        add_line(m, m.windows[m.current], l, false);
    }
    add_line(m, m.windows[i], std::move(l));
}

void on_nick(model& m, const json& body, effects& fx) {
    const std::string old_nick = text_of(body, "old");
    const std::string new_nick = text_of(body, "new");
    const std::int64_t ts = ts_of(body);
    const bool mine = same_nick(old_nick, m.nick);
    if (mine) {
        m.nick = new_nick;
        m.wanted_nick = new_nick;
    }
    const std::string text = mine ? "you are now known as " + new_nick : old_nick + " is now known as " + new_nick;
    bool shown = false;
    for (auto& w : m.windows) {
        if (w.query && same_nick(w.name, old_nick)) {
            w.name = new_nick;
            add_line(m, w, notice(text, ts), !shown);
            shown = true;
        } else if (has_member(w, old_nick)) {
            for (auto& n : w.members) {
                if (same_nick(n, old_nick)) n = new_nick;
            }
            add_line(m, w, notice(text, ts), !shown);
            shown = true;
        }
    }
    if (!shown) add_line(m, current_window(m), notice(text, ts));
    if (!mine) nick_freed(m, old_nick, fx);
}

void on_part(model& m, const json& body) {
    const std::string room = text_of(body, "room");
    const std::string who = text_of(body, "nick");
    const std::string reason = text_of(body, "reason");
    const auto i = find_window(m, room);
    if (!i) return;
    if (same_nick(who, m.nick)) {
        if (m.line_mode) add_line(m, m.windows[*i], notice("you left " + room, ts_of(body)));
        close_window(m, *i);
        if (!m.line_mode) add_info(m, "you left " + room);
        return;
    }
    remove_member(m.windows[*i], who);
    add_line(m, m.windows[*i], notice(who + " left" + (reason.empty() ? "" : " (" + reason + ")"), ts_of(body)));
}

void on_quit(model& m, const json& body, effects& fx) {
    const std::string who = text_of(body, "nick");
    const std::string reason = text_of(body, "reason");
    const std::string text = who + " quit" + (reason.empty() ? "" : " (" + reason + ")");
    bool shown = false;
    for (auto& w : m.windows) {
        if (has_member(w, who) || (w.query && same_nick(w.name, who))) {
            remove_member(w, who);
            add_line(m, w, notice(text, ts_of(body)), !shown);
            shown = true;
        }
    }
    if (!shown) add_line(m, current_window(m), notice(text, ts_of(body)));
    nick_freed(m, who, fx);
}

void on_topic(model& m, const json& body) {
    const std::string room = text_of(body, "room");
    const std::string topic = text_of(body, "topic");
    std::string by = text_of(body, "by");
    if (!by.empty() && same_nick(by, m.nick)) by = "you";
    window& w = room_or_current(m, room);
    std::string text;
    if (topic != w.topic) {
        text = topic.empty() ? (by.empty() ? "the topic was cleared" : by + " cleared the topic")
                             : (by.empty() ? "topic: " : by + " set the topic: ") + topic;
    } else {
        text = topic.empty() ? "no topic is set in " + room
                             : "topic of " + room + ": " + topic + (by.empty() ? "" : " (set by " + by + ")");
    }
    w.topic = topic;
    add_line(m, w, notice(text, ts_of(body)));
}

void on_rooms(model& m, const json& body) {
    const auto it = body.find("rooms");
    if (it == body.end() || !it->is_array()) return;
    add_info(m, std::to_string(it->size()) + (it->size() == 1 ? " room:" : " rooms:"));
    // Columns padded to their widest entry, so counts and topics line up.
    std::vector<std::array<std::string, 3>> rows;
    std::size_t name_cols = 0;
    std::size_t count_cols = 0;
    for (const auto& r : *it) {
        if (!r.is_object()) continue;
        const std::int64_t members = int_of(r, "members");
        // A room nobody is in whose history the server keeps (feature stored_rooms): /join brings it back.
        const auto stored = r.find("stored");
        const bool kept = stored != r.end() && stored->is_boolean() && stored->get<bool>();
        rows.push_back({text_of(r, "name"),
                        kept && members == 0 ? std::string("history only")
                                             : std::to_string(members) + (members == 1 ? " member" : " members"),
                        text_of(r, "topic")});
        name_cols = std::max(name_cols, chat::utf8::display_width(rows.back()[0]));
        count_cols = std::max(count_cols, rows.back()[1].size());
    }
    for (const auto& [name, count, topic] : rows) {
        std::string line = "  " + name + std::string(name_cols - chat::utf8::display_width(name), ' ') + "  " + count;
        if (!topic.empty()) line += std::string(count_cols - count.size(), ' ') + "  " + topic;
        add_info(m, line);
    }
    const auto more = body.find("truncated");
    if (more != body.end() && more->is_boolean() && more->get<bool>()) {
        add_info(m, "  (the server keeps more rooms with history than it lists)");
    }
}

void on_who(model& m, const json& body) {
    const std::string room = text_of(body, "room");
    auto members = list_of(body, "members");
    const auto asked = std::find_if(m.quiet_who.begin(), m.quiet_who.end(), [&](const std::string& r) { return same_nick(r, room); });
    if (asked != m.quiet_who.end()) {
        m.quiet_who.erase(asked);
        if (auto i = find_window(m, room)) m.windows[*i].members = std::move(members);
        return;
    }
    sort_nicks(members);
    std::string text = room + " (" + std::to_string(members.size()) + "):";
    for (const auto& n : members) text += " " + n + away_note(body, n);
    if (auto i = find_window(m, room)) m.windows[*i].members = members;
    add_info(m, text);
}

void on_error(model& m, const json& body, effects& fx) {
    const std::string code = text_of(body, "code");
    const std::string message = text_of(body, "message");
    const std::string text = code + ": " + message;
    if (on_registration_error(m, code, text, fx)) return;
    // Line mode keeps the code for scripts; on screen the sentence says it all.
    const std::string shown = m.line_mode || message.empty() ? text : message;
    const std::string about = text_of(body, "about");
    if (about == "join" && on_join_refused(m, body, shown)) return;
    if (about == "history") {
        const std::string nick = text_of(body, "nick");
        const std::string room = text_of(body, "room");
        if (room.empty()) page_refused(m, nick, fx);  // if a reconnect's page was refused
        // A refused page is not waited for: PgUp asks again.
        const std::string place = nick.empty() ? room : nick;
        for (auto& w : m.windows) {
            if (place.empty() || same_nick(w.name, place)) w.fetching = false;
        }
    }
    if (about == "say" || about == "pm") {
        ++m.refused;
        if (m.line_mode) m.refusals.push_back("the server refused a message: " + text);
        // A private message to someone who just left comes back to the input line, not lost.
        const std::string nick = text_of(body, "nick");
        if (about == "pm" && code == "no_such_nick" && !nick.empty()) {
            const auto it = std::find_if(m.sent_pms.rbegin(), m.sent_pms.rend(),
                                         [&](const pending_line& p) { return same_nick(p.window, nick); });
            if (it != m.sent_pms.rend()) {
                const std::string back = "/msg " + it->window + " " + it->text;
                m.sent_pms.erase(std::next(it).base());
                if (m.input.empty() && !m.line_mode) {
                    m.input.insert_utf8(back);
                    add_line(m, current_window(m), make_line(kind::error, shown + " (your message is back in the input line)"));
                    return;
                }
            }
        }
    }
    add_line(m, room_or_current(m, text_of(body, "room")), make_line(kind::error, shown));
}

}  // namespace

void on_frame(model& m, const chat::frame& f, effects& fx) {
    const json& b = f.body;
    if (f.type == "welcome") {
        on_welcome(m, b, fx);
        note_features(m, b);
    }
    else if (f.type == "history") {
        // The newest page of a conversation asked for by a reconnect: what came while we were
        // away shows as it would have, then it settles the pms in doubt.
        if (const auto seen = take_page_due(m, b)) {
            if (const auto it = b.find("messages"); it != b.end() && it->is_array()) {
                for (const auto& p : *it) {
                    if (p.is_object() && int_of(p, "id") > *seen) on_pm(m, p);
                }
            }
            settle_history(m, b, *seen, fx);
        } else {
            on_history(m, b);
        }
    }
    else if (f.type == "search") on_search(m, b);
    else if (f.type == "joined") on_joined(m, b, fx);
    else if (f.type == "message" || f.type == "pm") {
        // Our own say or pm coming back (not a stored one): one answer, room for the next line.
        // A pm kept while we were offline and delivered at login is not an answer, whoever sent it.
        const bool answer = !bool_of(b, "history") && same_nick(text_of(b, "from"), m.nick) &&
                            !(bool_of(b, "offline") && same_nick(text_of(b, "to"), m.nick));
        if (answer) note_echo(m, f);
        else if (f.type == "message" && settling(m) && bool_of(b, "history")) settle_replayed(m, b, fx);
        if (f.type == "message") on_message(m, b);
        else on_pm(m, b);
        if (answer) {
            note_answered(m);
            if (m.state == conn_state::online && !m.pending.empty()) flush_pending(m, fx);
        }
    }
    else if (f.type == "join") {
        const std::string room = text_of(b, "room");
        const std::string who = text_of(b, "nick");
        if (auto i = find_window(m, room)) {
            if (!has_member(m.windows[*i], who)) m.windows[*i].members.push_back(who);
            add_line(m, m.windows[*i], notice(who + " joined", ts_of(b)));
        }
    } else if (f.type == "part") on_part(m, b);
    else if (f.type == "quit") on_quit(m, b, fx);
    else if (f.type == "nick") on_nick(m, b, fx);
    else if (f.type == "topic") on_topic(m, b);
    else if (f.type == "rooms") on_rooms(m, b);
    else if (f.type == "who") on_who(m, b);
    else if (f.type == "away") on_away_frame(m, b);
    else if (f.type == "error") {
        const std::string about = text_of(b, "about");
        on_error(m, b, fx);
        if (about == "join" && settling(m)) settle_refused(m, text_of(b, "room"), fx);
        if (about == "say" || about == "pm") {
            note_refused(m, b);
            note_answered(m);
            if (m.state == conn_state::online && !m.pending.empty()) flush_pending(m, fx);
        }
    }
    else if (f.type == "shutdown") {
        const std::string msg = text_of(b, "message");
        add_line(m, current_window(m), make_line(kind::error, msg.empty() ? "the server is shutting down" : msg));
    }
    // ping is answered by the network thread; pong and unknown types need nothing here.
}

}  // namespace chat::client
