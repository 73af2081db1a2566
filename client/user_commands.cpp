#include "user_commands.hpp"

#include <algorithm>

#include "config.hpp"
#include "frame_fields.hpp"
#include "notify.hpp"
#include "outgoing.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

bool has_feature(const model& m, std::string_view f) {
    return std::find(m.features.begin(), m.features.end(), f) != m.features.end();
}

void do_set(model& m, const command& c) {
    if (c.target.empty()) {
        for (const auto& [k, v] : list_settings(m.cfg)) add_info(m, "  " + k + std::string(k.size() < 18 ? 18 - k.size() : 1, ' ') + v);
        return;
    }
    if (!c.has_text) {
        for (const auto& [k, v] : list_settings(m.cfg)) {
            if (k == c.target) return add_info(m, k + " = " + v);
        }
        return add_info(m, "unknown setting " + chat::utf8::sanitize(c.target) + " (/set lists them)", kind::error);
    }
    std::string error;
    if (!set_setting(m.cfg, c.target, c.text, error)) return add_info(m, error, kind::error);
    for (const auto& [k, v] : list_settings(m.cfg)) {
        if (k == c.target) add_info(m, k + " = " + v + " (for this run; the config file is unchanged)");
    }
}

void do_notify(model& m, const command& c) {
    if (!c.target.empty() && !parse_notify_level(c.target, m.cfg.notify)) {
        return add_info(m, "usage: /notify [off|private|mention|all]", kind::error);
    }
    const char* what = m.cfg.notify == notify_level::off            ? "nothing"
                       : m.cfg.notify == notify_level::private_only ? "private messages"
                       : m.cfg.notify == notify_level::mention      ? "private messages and lines naming you"
                                                                    : "every message";
    add_info(m, std::string("notify: ") + notify_level_name(m.cfg.notify) + " (" + what + " ring the bell)");
}

void save(model& m) {
    if (m.config_file.empty()) return;
    std::string error;
    if (!save_ignores(m.config_file, m.cfg.ignore, error)) add_info(m, "not saved: " + chat::utf8::sanitize(error), kind::error);
}

void do_ignore(model& m, const command& c) {
    if (c.target.empty()) {
        if (m.cfg.ignore.empty()) return add_info(m, "nobody is ignored");
        std::string text = "ignored:";
        for (const auto& n : m.cfg.ignore) text += " " + n;
        return add_info(m, text);
    }
    if (auto err = chat::check_nick(c.target, chat::limits{})) return add_info(m, chat::utf8::sanitize(err->message), kind::error);
    if (is_ignored(m, c.target)) return add_info(m, c.target + " is ignored already");
    m.cfg.ignore.push_back(c.target);
    save(m);
    add_info(m, "ignoring " + c.target + ": their messages and private messages are hidden (/unignore " + c.target + ")");
}

void do_unignore(model& m, const command& c) {
    const auto before = m.cfg.ignore.size();
    std::erase_if(m.cfg.ignore, [&](const std::string& n) { return same_nick(n, c.target); });
    if (m.cfg.ignore.size() == before) return add_info(m, chat::utf8::sanitize(c.target) + " is not ignored", kind::error);
    save(m);
    add_info(m, "no longer ignoring " + c.target);
}

void do_away(model& m, const std::string& reason, effects& fx) {
    if (m.state != conn_state::online) return add_info(m, "not connected", kind::error);
    if (!has_feature(m, "away")) return add_info(m, "this server does not know away (no \"away\" feature)", kind::error);
    if (!take_token(m)) m.tokens -= 1.0;
    fx.frames.push_back(outgoing::away(reason));
}

}  // namespace

void on_user_command(model& m, const command& c, effects& fx) {
    using k = command::kind;
    switch (c.what) {
    case k::set: return do_set(m, c);
    case k::notify: return do_notify(m, c);
    case k::away: return do_away(m, c.text, fx);
    case k::back: return do_away(m, {}, fx);
    case k::ignore: return do_ignore(m, c);
    case k::unignore: return do_unignore(m, c);
    default: return;
    }
}

void on_away_frame(model& m, const json& body) {
    const std::string nick = text_of(body, "nick");
    const std::string reason = text_of(body, "reason");
    const bool away = bool_of(body, "away");
    if (same_nick(nick, m.nick)) {
        m.away = away ? reason : std::string();
        add_info(m, away ? "you are marked away: " + reason + " (/back ends it)" : "you are back");
        return;
    }
    // The answer to a private message: said in the conversation with that nick, and where the user
    // looks, as a private message is.
    chat_line l = make_line(kind::notice, away ? nick + " is away: " + reason : nick + " is back");
    const auto i = find_window(m, nick);
    if (i && *i != m.current) add_line(m, m.windows[*i], l);
    add_line(m, current_window(m), std::move(l), !i || *i == m.current);
}

std::string away_note(const json& who_body, const std::string& nick) {
    const auto it = who_body.find("away");
    if (it == who_body.end() || !it->is_object()) return {};
    for (const auto& [n, r] : it->items()) {
        if (r.is_string() && same_nick(n, nick)) return " (away: " + chat::utf8::sanitize(r.get<std::string>()) + ")";
    }
    return {};
}

}  // namespace chat::client
