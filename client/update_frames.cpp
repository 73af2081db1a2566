// The part of update that handles frames from the server.
#include <algorithm>
#include <array>
#include <optional>

#include "protocol.hpp"
#include "update.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

// Network text, made safe to draw. A missing or mistyped field reads as empty.
std::string text_of(const json& body, const char* key) {
    wire_error err;
    std::string out;
    if (!optional_string(body, key, out, err)) return {};
    return chat::utf8::sanitize(out);
}

std::int64_t int_of(const json& body, const char* key) {
    wire_error err;
    std::optional<std::int64_t> out;
    if (!optional_int(body, key, out, err) || !out) return 0;
    return *out;
}

bool bool_of(const json& body, const char* key) {
    wire_error err;
    bool out = false;
    if (!optional_bool(body, key, out, err)) return false;
    return out;
}

// A server timestamp, or now when it is missing or outside years 1970-9999 (a hostile one would
// otherwise reach the calendar arithmetic of the day lines).
std::int64_t ts_of(const json& body) {
    constexpr std::int64_t year_10000 = 253'402'300'800'000;  // 10000-01-01T00:00:00Z in ms
    const std::int64_t ts = int_of(body, "ts");
    return ts > 0 && ts < year_10000 ? ts : chat::now_ms();
}

std::vector<std::string> list_of(const json& body, const char* key) {
    std::vector<std::string> out;
    const auto it = body.find(key);
    if (it == body.end() || !it->is_array()) return out;
    for (const auto& v : *it) {
        if (v.is_string()) out.push_back(chat::utf8::sanitize(v.get<std::string>()));
    }
    return out;
}

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

std::string frame_hello(const std::string& nick) {
    return chat::encode({{"type", "hello"}, {"version", chat::protocol_version}, {"nick", nick}});
}

// The next nick to try when ours is taken on reconnect: nick_, nick__, ... within the length limit.
std::string alternative_nick(const model& m) {
    const std::size_t max = std::max<std::size_t>(m.lim.max_nick, 2);
    const std::size_t tail = static_cast<std::size_t>(m.nick_attempt);
    std::string base = m.wanted_nick.substr(0, max > tail ? max - tail : 1);
    return base + std::string(std::min(tail, max - base.size()), '_');
}

void on_welcome(model& m, const json& body, effects& fx) {
    const std::string instance = text_of(body, "instance");
    const bool same_server = m.ever_welcomed && instance == m.instance;
    m.nick = text_of(body, "nick");
    m.server = text_of(body, "server");
    if (m.wanted_nick.empty()) m.wanted_nick = m.nick;
    m.instance = instance;
    m.state = conn_state::online;
    m.nick_attempt = 0;
    if (const auto lim = body.find("limits"); lim != body.end() && lim->is_object()) {
        if (auto v = int_of(*lim, "max_nick"); v > 0) m.lim.max_nick = static_cast<std::size_t>(v);
        if (auto v = int_of(*lim, "max_text"); v > 0) m.lim.max_text = static_cast<std::size_t>(v);
        if (auto v = int_of(*lim, "max_frame"); v > 0) m.lim.max_frame = static_cast<std::size_t>(v);
        if (auto v = int_of(*lim, "burst"); v > 0) m.lim.burst = static_cast<double>(v);
        if (auto v = int_of(*lim, "rate"); v >= 0) m.lim.rate = static_cast<double>(v);
    }
    if (!m.ever_welcomed) {
        m.ever_welcomed = true;
        return;
    }
    // A reconnect: rejoin every room we were in. The same server instance keeps its message ids,
    // so `since` asks only for what we missed; a restarted server starts its ids again.
    bool in_lobby = false;
    std::size_t joins = 0;
    for (auto& w : m.windows) {
        if (w.query || (!w.joined && !w.joining)) continue;  // a refused join is not retried
        if (same_nick(w.name, chat::default_room)) {
            in_lobby = true;
            continue;  // the server puts us in #lobby by itself
        }
        json join = {{"type", "join"}, {"room", w.name}};
        if (same_server && w.max_id > 0) join["since"] = w.max_id;
        fx.frames.push_back(chat::encode(join));
        ++joins;
    }
    // A restarted server's ids start again: what we saw tells nothing about what it will send.
    if (!same_server) {
        for (auto& w : m.windows) w.max_id = 0;
    }
    if (!in_lobby) {
        m.drop_lobby = true;
        fx.frames.push_back(chat::encode({{"type", "part"}, {"room", chat::default_room}}));
        ++joins;
    }
    add_line(m, current_window(m), make_line(kind::info, "reconnected to " + m.server + " as " + m.nick));
    // The rejoins count against the rate limit; pending lines follow as the budget allows.
    m.tokens = std::max(1.0, m.lim.burst - 2) - static_cast<double>(joins);
    m.tokens_at = model_now(m);
    flush_pending(m, fx);
}

// The window's "joining #room..." line becomes the answer to it, so one join reads as one line.
// False if there is none (line mode never shows it).
bool replace_joining_line(window& w, chat_line& answer) {
    for (auto it = w.lines.rbegin(); it != w.lines.rend(); ++it) {
        if (it->what != kind::info || !it->text.starts_with("joining #") || !it->text.ends_with("...")) continue;
        w.bytes -= std::min(w.bytes, it->text.size());
        w.bytes += answer.text.size();
        answer.seq = it->seq;
        *it = std::move(answer);
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
    if (others.empty()) {
        text += " (nobody else is here)";
    } else if (others.size() <= 12) {
        sort_nicks(others);
        text += " with";
        for (std::size_t k = 0; k < others.size(); ++k) text += (k == 0 ? " " : ", ") + others[k];
    } else {
        text += " (" + std::to_string(w.members.size()) + " members)";
    }
    if (!w.topic.empty()) text += " -- topic: " + w.topic;
    chat_line joined_line = notice(text, chat::now_ms());
    if (!was_joining || !replace_joining_line(w, joined_line)) add_line(m, w, std::move(joined_line));
    if (!m.ever_joined && !m.line_mode) {
        add_line(m, w, make_line(kind::info, "type /help for commands; Alt-1..9 or Ctrl-N/Ctrl-P switch windows"));
    }
    m.ever_joined = true;
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
    std::erase_if(m.pending, [&](const pending_line& p) { return !p.query && same_nick(p.window, w.name); });
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
    chat_line l;
    l.action = bool_of(body, "action");
    l.what = l.action ? kind::action : kind::message;
    l.ts = ts_of(body);
    l.from = text_of(body, "from");
    l.text = text_of(body, "text");
    l.history = bool_of(body, "history") && !missed;
    l.self = same_nick(l.from, m.nick);
    add_line(m, w, std::move(l));
}

void on_pm(model& m, const json& body) {
    chat_line l;
    l.what = kind::pm;
    l.ts = ts_of(body);
    l.from = text_of(body, "from");
    l.to = text_of(body, "to");
    l.text = text_of(body, "text");
    l.action = bool_of(body, "action");
    l.self = same_nick(l.from, m.nick);
    const std::string peer = l.self ? l.to : l.from;
    if (peer.empty()) return;
    if (!find_window(m, peer) && m.windows.size() >= m.max_windows) {
        // Past the window cap (a flood of senders) the line still shows, where the user looks.
        add_line(m, current_window(m), std::move(l));
        return;
    }
    const std::size_t i = open_window(m, peer, true);
    window& w = m.windows[i];
    const std::int64_t id = int_of(body, "id");
    if (id > 0 && id <= w.max_id) return;
    if (id > 0) w.max_id = id;
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
    // Someone let go of the nick we wanted: take it back.
    if (!mine && same_nick(old_nick, m.wanted_nick) && !same_nick(m.nick, m.wanted_nick)) {
        fx.frames.push_back(chat::encode({{"type", "nick"}, {"nick", m.wanted_nick}}));
    }
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
    if (same_nick(who, m.wanted_nick) && !same_nick(m.nick, m.wanted_nick) && m.state == conn_state::online) {
        fx.frames.push_back(chat::encode({{"type", "nick"}, {"nick", m.wanted_nick}}));
    }
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
        rows.push_back({text_of(r, "name"), std::to_string(members) + (members == 1 ? " member" : " members"),
                        text_of(r, "topic")});
        name_cols = std::max(name_cols, chat::utf8::display_width(rows.back()[0]));
        count_cols = std::max(count_cols, rows.back()[1].size());
    }
    for (const auto& [name, count, topic] : rows) {
        std::string line = "  " + name + std::string(name_cols - chat::utf8::display_width(name), ' ') + "  " + count;
        if (!topic.empty()) line += std::string(count_cols - count.size(), ' ') + "  " + topic;
        add_info(m, line);
    }
}

void on_who(model& m, const json& body) {
    const std::string room = text_of(body, "room");
    auto members = list_of(body, "members");
    sort_nicks(members);
    std::string text = room + " (" + std::to_string(members.size()) + "):";
    for (const auto& n : members) text += " " + n;
    if (auto i = find_window(m, room)) m.windows[*i].members = members;
    add_info(m, text);
}

void on_error(model& m, const json& body, effects& fx) {
    const std::string code = text_of(body, "code");
    const std::string message = text_of(body, "message");
    const std::string text = code + ": " + message;
    if (m.state == conn_state::registering) {
        if (code == "bad_version" || !m.ever_welcomed) {
            m.fatal = text;
            return;
        }
        if (code == "nick_in_use" || code == "invalid_nick") {
            ++m.nick_attempt;
            const std::string next = alternative_nick(m);
            add_line(m, current_window(m), make_line(kind::error, "the nick " + m.nick + " is taken; trying " + next +
                                                                      " (it will be taken back when free)"));
            m.nick = next;
            fx.frames.push_back(frame_hello(next));
            return;
        }
    }
    // Line mode keeps the code for scripts; on screen the sentence says it all.
    const std::string shown = m.line_mode || message.empty() ? text : message;
    if (text_of(body, "about") == "join" && on_join_refused(m, body, shown)) return;
    add_line(m, room_or_current(m, text_of(body, "room")), make_line(kind::error, shown));
}

}  // namespace

void on_frame(model& m, const chat::frame& f, effects& fx) {
    const json& b = f.body;
    if (f.type == "welcome") on_welcome(m, b, fx);
    else if (f.type == "joined") on_joined(m, b, fx);
    else if (f.type == "message") on_message(m, b);
    else if (f.type == "pm") on_pm(m, b);
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
    else if (f.type == "error") on_error(m, b, fx);
    else if (f.type == "shutdown") {
        const std::string msg = text_of(b, "message");
        add_line(m, current_window(m), make_line(kind::error, msg.empty() ? "the server is shutting down" : msg));
    }
    // ping is answered by the network thread; pong and unknown types need nothing here.
}

}  // namespace chat::client
