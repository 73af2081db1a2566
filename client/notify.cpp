#include "notify.hpp"

#include <algorithm>

#include "protocol.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

constexpr std::size_t max_alerts = 8;  // waiting for the next draw; more are counted, not queued

bool talk(const chat_line& l) { return l.what == kind::message || l.what == kind::action || l.what == kind::pm; }

// At most `max` bytes of `s`, on a character boundary.
std::string cut(std::string_view s, std::size_t max) {
    if (s.size() <= max) return std::string(s);
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return std::string(s.substr(0, end)) + "...";
}

// An OSC string may hold neither ESC nor BEL (the text is sanitised already) and 777 splits on ';'.
std::string osc_safe(std::string_view s) {
    std::string out = cut(s, 200);
    std::replace(out.begin(), out.end(), ';', ',');
    return out;
}

std::string passthrough(const std::string& seq) {
    std::string out = "\x1bPtmux;";
    for (const char c : seq) {
        if (c == '\x1b') out += '\x1b';
        out += c;
    }
    return out + "\x1b\\";
}

}  // namespace

bool is_ignored(const model& m, std::string_view nick) {
    return std::any_of(m.cfg.ignore.begin(), m.cfg.ignore.end(), [&](const std::string& n) { return same_nick(n, nick); });
}

bool is_mention(const model& m, const chat_line& l) {
    if (mentions(l.text, m.nick)) return true;
    return std::any_of(m.cfg.highlights.begin(), m.cfg.highlights.end(),
                       [&](const std::string& w) { return mentions(l.text, w); });
}

void note_line(model& m, window& w, const chat_line& l, bool is_current, bool print) {
    if (l.history) return;
    // The log of a window is what it showed: a private message goes in its conversation's log only.
    const bool logged = talk(l) || l.what == kind::notice;
    if (m.cfg.log && logged && (l.what != kind::pm || w.query)) m.to_log.push_back(printed_line{w.name, w.query, l});
    if (l.self) return;
    const bool pm = l.what == kind::pm;
    const bool mention = talk(l) && (pm || w.query || is_mention(m, l));
    if (!is_current) {
        const activity a = !talk(l) ? (l.what == kind::notice ? activity::notice : activity::none)
                           : pm || w.query ? activity::private_msg
                           : mention       ? activity::mention
                                           : activity::message;
        w.act = std::max(w.act, a);
    } else if (mention && (w.scroll > 0 || w.scroll_cut > 0)) {
        w.mention_below = true;  // scrolled back: the status bar flags it until the end is seen
    }
    if (!talk(l) || !print || m.line_mode) return;
    const notify_level lv = m.cfg.notify;
    const bool wanted = lv == notify_level::all || (lv == notify_level::mention && mention) ||
                        (lv == notify_level::private_only && (pm || w.query));
    if (!wanted) return;
    if (m.alerts.size() >= max_alerts) {
        ++m.alerts_more;
        return;
    }
    const std::string who = l.what == kind::action ? "* " + l.from : "<" + l.from + ">";
    m.alerts.push_back(alert{(pm || w.query) ? "chat: " + l.from : "chat: " + w.name, who + " " + l.text});
}

std::string alert_bytes(const alert& a, bool bell, bool desktop, bool in_tmux) {
    std::string out;
    if (desktop) {
        // OSC 777 for VTE, foot, urxvt; OSC 9 for iTerm2, Windows Terminal, WezTerm, kitty. A
        // terminal ignores the one it does not know.
        const std::string osc777 = "\x1b]777;notify;" + osc_safe(a.title) + ";" + osc_safe(a.body) + "\x1b\\";
        const std::string osc9 = "\x1b]9;" + osc_safe(a.title + ": " + a.body) + "\x1b\\";
        out += in_tmux ? passthrough(osc777) + passthrough(osc9) : osc777 + osc9;
    }
    if (bell) out += '\a';
    return out;
}

std::string take_alerts(model& m, bool in_tmux) {
    std::string out;
    if (m.alerts.empty()) return out;
    if (m.alerts_more > 0) m.alerts.push_back(alert{"chat", std::to_string(m.alerts_more) + " more"});
    for (std::size_t i = 0; i < m.alerts.size(); ++i) {
        out += alert_bytes(m.alerts[i], m.cfg.bell && i + 1 == m.alerts.size(), m.cfg.desktop, in_tmux);
    }
    m.alerts.clear();
    m.alerts_more = 0;
    return out;
}

}  // namespace chat::client
