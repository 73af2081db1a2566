#include "update_session.hpp"

#include <algorithm>

#include "frame_fields.hpp"
#include "outgoing.hpp"
#include "password_entry.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

// The next nick to try when ours is taken on reconnect: nick_, nick__, ... within the length limit.
std::string alternative_nick(const model& m) {
    const std::size_t max = std::max<std::size_t>(m.lim.max_nick, 2);
    const std::size_t tail = static_cast<std::size_t>(m.nick_attempt);
    std::string base = m.wanted_nick.substr(0, max > tail ? max - tail : 1);
    return base + std::string(std::min(tail, max - base.size()), '_');
}

}  // namespace

void on_welcome(model& m, const json& body, effects& fx) {
    const std::string instance = text_of(body, "instance");
    const bool same_server = m.ever_welcomed && instance == m.instance;
    m.nick = text_of(body, "nick");
    m.server = text_of(body, "server");
    if (m.wanted_nick.empty()) m.wanted_nick = m.nick;
    m.instance = instance;
    m.state = conn_state::online;
    m.nick_attempt = 0;
    m.in_flight = 0;  // a new connection: nothing sent on it yet
    m.features = list_of(body, "features");
    if (const auto lim = body.find("limits"); lim != body.end() && lim->is_object()) {
        if (auto v = int_of(*lim, "max_nick"); v > 0) m.lim.max_nick = static_cast<std::size_t>(v);
        if (auto v = int_of(*lim, "max_text"); v > 0) m.lim.max_text = static_cast<std::size_t>(v);
        if (auto v = int_of(*lim, "max_frame"); v > 0) m.lim.max_frame = static_cast<std::size_t>(v);
        if (auto v = int_of(*lim, "burst"); v > 0) m.lim.burst = static_cast<double>(v);
        if (auto v = int_of(*lim, "rate"); v >= 0) m.lim.rate = static_cast<double>(v);
        if (auto v = int_of(*lim, "max_lines"); v > 0) m.lim.max_lines = static_cast<std::size_t>(v);
        if (auto v = int_of(*lim, "history"); v >= 0) m.lim.history = static_cast<std::size_t>(v);
    }
    // A server without feature multiline takes one line per message: a paste goes out line by line.
    const auto features = list_of(body, "features");
    m.multiline = std::find(features.begin(), features.end(), "multiline") != features.end();
    if (!m.multiline) m.lim.max_lines = 1;
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
        fx.frames.push_back(outgoing::join(w.name, same_server ? w.max_id : 0));
        ++joins;
    }
    // A page asked for on the old connection is never answered on this one.
    for (auto& w : m.windows) w.fetching = false;
    // A restarted server's ids start again: what we saw tells nothing about what it will send.
    if (!same_server) {
        for (auto& w : m.windows) {
            w.max_id = 0;
            w.oldest_id = 0;
            w.history_start = false;
        }
    }
    if (!in_lobby) {
        m.drop_lobby = true;
        fx.frames.push_back(outgoing::part(chat::default_room));
        ++joins;
    }
    add_line(m, current_window(m), make_line(kind::info, "reconnected to " + m.server + " as " + m.nick));
    // Lines the old connection left unanswered wait for the replays of the rooms rejoined.
    joins += begin_settling(m, same_server, fx);
    // The rejoins count against the rate limit; pending lines follow as the budget allows.
    m.tokens = std::max(1.0, m.lim.burst - 2) - static_cast<double>(joins);
    m.tokens_at = m.now.steady_ms;
    flush_pending(m, fx);
}

bool on_registration_error(model& m, const std::string& code, const std::string& text, effects& fx) {
    if (m.state != conn_state::registering) return false;
    // A password does not get better by trying it again: fatal after a reconnect too.
    if (code == "password_required" || code == "bad_password") {
        m.password_refused = code;
        // In the full screen after a reconnect, with no password file: the input line asks for it.
        if (m.ever_welcomed && !m.line_mode && !m.password_from_file) {
            if (!m.asking_password) {
                m.asking_password = true;
                wipe_string(m.password_typed);
                const std::string line =
                    (code == "bad_password" ? std::string("the server refused the password")
                                            : std::string("the server now wants a password")) +
                    "; type it on the input line (shown as *), Enter sends it, Esc leaves";
                for (auto& w : m.windows) add_line(m, w, make_line(kind::error, line));
                if (m.windows.empty()) add_line(m, m.status, make_line(kind::error, line));
            }
            return true;
        }
        m.fatal = text + (m.line_mode ? " (line mode cannot ask for one: give chat --password-file FILE, or "
                                        "password_file in the config's [server] section)"
                                      : " (give chat --password-file FILE, or password_file in the config's [server] section)");
        return true;
    }
    // The connection left without hello while the password is typed times out, as it should; the
    // next one is used once the password is given.
    if (code == "hello_timeout" && m.asking_password) return true;
    if (code == "bad_version" || !m.ever_welcomed) {
        m.fatal = text;
        return true;
    }
    if (code == "nick_in_use" || code == "invalid_nick" || code == "nick_owned") {
        ++m.nick_attempt;
        const std::string next = alternative_nick(m);
        add_line(m, current_window(m),
                 make_line(kind::error, code == "nick_owned"
                                            ? "the nick " + m.nick + " belongs to another user's key; trying " + next
                                            : "the nick " + m.nick + " is taken; trying " + next +
                                                  " (it will be taken back when free)"));
        m.nick = next;
        fx.frames.push_back(outgoing::hello(next, m.password));
        return true;
    }
    return false;
}

void password_key(model& m, const key& k, effects& fx) {
    using t = key::type;
    auto add = [&](std::string_view text) {
        for (const char c : text) {
            if (c == '\n' || c == '\r') break;  // a paste: its first line
            if (static_cast<unsigned char>(c) >= 0x20 && m.password_typed.size() < password_entry::max_bytes) {
                m.password_typed.push_back(c);
            }
        }
    };
    switch (k.what) {
    case t::character: {
        std::string one;
        chat::utf8::append(one, k.cp);
        add(one);
        break;
    }
    case t::paste: add(k.text); break;
    case t::backspace:
        while (!m.password_typed.empty() && (static_cast<unsigned char>(m.password_typed.back()) & 0xC0) == 0x80) {
            m.password_typed.pop_back();
        }
        if (!m.password_typed.empty()) m.password_typed.pop_back();
        break;
    case t::ctrl:
        if (k.cp == 'u') wipe_string(m.password_typed);
        break;
    case t::enter:
        wipe_string(m.password);
        m.password = m.password_typed;
        wipe_string(m.password_typed);
        m.asking_password = false;
        add_line(m, current_window(m), make_line(kind::info, "password given; connecting"));
        // A connection waiting for it gets its hello now; otherwise the next one, without delay.
        if (m.state == conn_state::registering) {
            fx.frames.push_back(outgoing::hello(m.nick, m.password));
        } else {
            fx.reconnect_now = true;
        }
        break;
    case t::escape:
        wipe_string(m.password_typed);
        m.asking_password = false;
        m.fatal = "no password given; left " + m.address;
        fx.quit_frame = outgoing::quit();
        break;
    default: break;  // other keys do nothing while the password is asked for
    }
}

void nick_freed(model& m, std::string_view nick, effects& fx) {
    if (same_nick(nick, m.wanted_nick) && !same_nick(m.nick, m.wanted_nick) && m.state == conn_state::online) {
        fx.frames.push_back(outgoing::nick(m.wanted_nick));
    }
}

}  // namespace chat::client
