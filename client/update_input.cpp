// The part of update that handles what the user types: lines, commands, and window keys.
#include <algorithm>
#include <sstream>

#include "commands.hpp"
#include "outgoing.hpp"
#include "protocol.hpp"
#include "update.hpp"
#include "user_commands.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

// join, part, nick and topic count against the server's rate limit too.
void charge(model& m) {
    if (!take_token(m)) m.tokens -= 1.0;
}

// Shows why a line cannot go out, before the server would refuse it.
bool text_ok(model& m, const std::string& text) {
    if (auto err = chat::check_text(text, m.lim)) {
        add_info(m, "not sent: " + chat::utf8::sanitize(err->message), kind::error);
        return false;
    }
    return true;
}

// Remembers a private message on its way, so a refusal (the nick just left) can give it back.
void note_pm(model& m, const std::string& target, const std::string& text, bool action) {
    constexpr std::size_t kept = 16;
    m.sent_pms.push_back({0, target, true, action, text});
    if (m.sent_pms.size() > kept) m.sent_pms.pop_front();
}

// Sends a message to a room or a conversation, or keeps it for later while offline. False when the
// line is refused (it is not kept: the caller leaves it where it was typed).
bool send_or_keep(model& m, effects& fx, const std::string& target, bool query, std::string text, bool action) {
    if (!text_ok(m, text)) return false;
    if (m.state == conn_state::online && m.pending.empty() && !waits_for_join(m, target, query) && window_open(m) &&
        room_to_send(m)) {
        if (query) note_pm(m, target, text, action);
        fx.frames.push_back(outgoing::message(target, query, text, action));
        note_sent(m, {0, target, query, action, text});
        return true;
    }
    // Offline, older lines still wait, or typed faster than the server accepts (a paste): keep it
    // and show it marked as pending until it goes out. All are kept, in order, up to a byte cap;
    // past it this line is refused, so nothing already typed is ever dropped.
    if (m.pending_bytes + text.size() > m.max_pending_bytes) {
        add_info(m, "not sent: " + std::to_string(m.pending.size()) + " lines (" +
                        std::to_string(m.pending_bytes / 1024) + " KiB) are still waiting to go out; try again when they have",
                 kind::error);
        return false;
    }
    pending_line p{m.next_local_id++, target, query, action, text};
    chat_line l = make_line(kind::pending, chat::utf8::sanitize_lines(text));
    l.from = m.nick;
    l.self = true;
    l.action = action;
    l.local_id = p.local_id;
    std::size_t wi = open_window(m, target, query);
    // Line mode prints a line held back only while offline; paced lines show when echoed.
    add_line(m, m.windows[wi], std::move(l), m.state != conn_state::online);
    m.pending_bytes += p.text.size();
    m.pending.push_back(std::move(p));
    return true;
}

void do_part(model& m, effects& fx, const command& c) {
    std::string room = c.target;
    std::string reason = c.text;
    if (room.empty()) {
        if (m.windows.empty()) {
            add_info(m, "you are not in a room", kind::error);
            return;
        }
        window& w = m.windows[m.current];
        if (w.query) {
            close_window(m, m.current);
            return;
        }
        room = w.name;
    }
    const auto open = find_window(m, room);
    // A refused join leaves nothing for the server to hear about; offline, there is no server to
    // tell, and a closed window is not rejoined later.
    const bool refused = open && !m.windows[*open].joined && !m.windows[*open].joining;
    if (refused || m.state != conn_state::online) {
        if (open) close_window(m, *open);
        return;
    }
    charge(m);
    fx.frames.push_back(outgoing::part(room, reason));
}

void do_win(model& m, const std::string& target) {
    if (!target.empty() && std::all_of(target.begin(), target.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        const std::size_t n = target.size() > 4 ? 0 : std::stoul(target);
        if (n >= 1 && n <= m.windows.size()) switch_to(m, n - 1);
        else add_info(m, "no window " + target, kind::error);
        return;
    }
    if (!switch_to_name(m, target) && !switch_to_name(m, room_name(target))) {
        add_info(m, "no window " + chat::utf8::sanitize(target) + " (use /join to join a room)", kind::error);
    }
}

}  // namespace

bool send_message(model& m, effects& fx, const std::string& target, bool query, const std::string& text, bool action) {
    return send_or_keep(m, fx, target, query, text, action);
}

bool on_submit(model& m, std::string_view typed, effects& fx) {
    const std::string line = chat::utf8::repair(typed);
    // Several lines (a paste put back in the input line) are one message, never commands.
    if (line.find('\n') != std::string::npos) return send_text(m, fx, line);
    const command c = parse_command(line);
    using k = command::kind;
    const bool online = m.state == conn_state::online;
    switch (c.what) {
    case k::none:
        return true;
    case k::error:
        add_info(m, c.text, kind::error);
        return true;
    case k::say:
    case k::me:
        if (m.windows.empty()) {
            add_info(m, "you are not in a room: /join #room, or /msg nick text", kind::error);
            return false;
        }
        return send_or_keep(m, fx, m.windows[m.current].name, m.windows[m.current].query, c.text, c.what == k::me);
    case k::msg:
        return send_or_keep(m, fx, c.target, true, c.text, false);
    case k::query:
        switch_to(m, open_window(m, c.target, true));
        if (c.has_text) return send_or_keep(m, fx, c.target, true, c.text, false);
        return true;
    case k::join:
        if (auto err = chat::check_room(c.target, m.lim)) {
            add_info(m, chat::utf8::sanitize(err->message), kind::error);
            return true;
        }
        if (auto i = find_window(m, c.target); i && !online) {
            switch_to(m, *i);
            return true;
        }
        if (!online) {
            add_info(m, "not connected: join " + c.target + " again when the connection is back", kind::error);
            return true;
        }
        charge(m);
        fx.frames.push_back(outgoing::join(c.target));
        // The window opens at once, so a line typed straight after /join goes to the new room:
        // it waits there until the server confirms.
        if (!find_window(m, c.target)) {
            window& w = m.windows[open_window(m, c.target, false)];
            w.joined = false;
            w.joining = true;
            add_line(m, w, make_line(kind::info, "joining " + c.target + "..."), false);
        }
        switch_to_name(m, c.target);
        return true;
    case k::part:
        do_part(m, fx, c);
        return true;
    case k::rooms:
    case k::who:
    case k::topic:
        if (!online) {
            add_info(m, "not connected", kind::error);
            return true;
        }
        if (c.what == k::rooms) {
            fx.frames.push_back(outgoing::rooms());
        } else {
            std::string room = c.target;
            if (room.empty() && !m.windows.empty() && !m.windows[m.current].query) room = m.windows[m.current].name;
            if (room.empty()) {
                add_info(m, "which room? " + std::string(c.what == k::who ? "/who #room" : "switch to a room first"), kind::error);
                return true;
            }
            if (c.what == k::who) {
                fx.frames.push_back(outgoing::who(room));
            } else {
                if (c.has_text) charge(m);
                fx.frames.push_back(c.has_text ? outgoing::set_topic(room, c.text) : outgoing::topic(room));
            }
        }
        return true;
    case k::nick:
        if (auto err = chat::check_nick(c.target, m.lim)) {
            add_info(m, chat::utf8::sanitize(err->message), kind::error);
            return true;
        }
        if (!online) {
            m.wanted_nick = c.target;
            add_info(m, "you will be " + c.target + " when the connection is back");
            return true;
        }
        charge(m);
        fx.frames.push_back(outgoing::nick(c.target));
        return true;
    case k::win:
        do_win(m, c.target);
        return true;
    case k::help: {
        std::istringstream in(help_text());
        for (std::string l; std::getline(in, l);) add_info(m, l);
        return true;
    }
    case k::quit:
        m.quit_requested = true;
        if (!m.pending.empty()) {
            add_info(m, std::to_string(m.pending.size()) + (m.pending.size() == 1 ? " line was" : " lines were") +
                            " not sent: not connected", kind::error);
        }
        for (const auto& p : m.pending) {
            for (auto& w : m.windows) {
                for (auto& l : w.lines) {
                    if (l.local_id == p.local_id) l.what = kind::unsent;
                }
            }
        }
        m.pending.clear();
        m.pending_bytes = 0;
        fx.quit_frame = outgoing::quit(c.text);
        return true;
    case k::search:
        return do_search(m, c.text, c.target, fx);
    case k::reconnect:
        if (m.state == conn_state::online) {
            add_info(m, "already connected");
        } else {
            fx.reconnect_now = true;
        }
        return true;
    case k::clear:
        current_window(m).lines.clear();
        current_window(m).bytes = 0;
        scroll_to_end(current_window(m));
        return true;
    case k::set:
    case k::notify:
    case k::away:
    case k::back:
    case k::ignore:
    case k::unignore:
        on_user_command(m, c, fx);
        return true;
    }
    return true;
}

}  // namespace chat::client
