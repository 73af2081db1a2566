#include "completion.hpp"

#include <algorithm>

#include "windows.hpp"

namespace chat::client {

namespace {

const std::vector<std::string>& command_names() {
    static const std::vector<std::string> names = {
        "/away", "/back", "/clear", "/help", "/ignore", "/join", "/me", "/msg", "/nick", "/notify", "/part",
        "/query", "/quit", "/reconnect", "/rooms", "/set", "/switch", "/topic", "/unignore", "/who", "/win",
    };
    return names;
}

void add_unique(std::vector<std::string>& out, const std::string& name) {
    if (std::none_of(out.begin(), out.end(), [&](const std::string& n) { return same_nick(n, name); })) out.push_back(name);
}

// The windows by their newest line, the most recent first.
std::vector<const window*> by_recency(const model& m) {
    std::vector<const window*> out;
    for (const auto& w : m.windows) out.push_back(&w);
    std::stable_sort(out.begin(), out.end(), [](const window* a, const window* b) {
        const std::int64_t ta = a->lines.empty() ? 0 : a->lines.back().ts;
        const std::int64_t tb = b->lines.empty() ? 0 : b->lines.back().ts;
        return ta > tb;
    });
    return out;
}

}  // namespace

std::vector<std::string> completion_candidates(const model& m, const std::string& word, bool at_start) {
    std::vector<std::string> out;
    if (at_start && word.starts_with("/")) return command_names();
    if (word.starts_with("#")) {
        for (const window* w : by_recency(m)) {
            if (!w->query) add_unique(out, w->name);
        }
        return out;
    }
    // Nicks: who spoke last in this window first, then the other members, then conversations.
    const window& cw = current_window(m);
    for (auto it = cw.lines.rbegin(); it != cw.lines.rend() && out.size() < 64; ++it) {
        const bool talk = it->what == chat_line::kind::message || it->what == chat_line::kind::action;
        if (talk && !it->from.empty() && !same_nick(it->from, m.nick) && has_member(cw, it->from)) add_unique(out, it->from);
    }
    std::vector<std::string> rest = cw.members;
    std::sort(rest.begin(), rest.end());
    for (const auto& n : rest) {
        if (!same_nick(n, m.nick)) add_unique(out, n);
    }
    for (const window* w : by_recency(m)) {
        if (w->query) add_unique(out, w->name);
    }
    return out;
}

void complete_input(model& m) {
    bool at_start = false;
    const std::string word = m.input.completion_word(at_start);
    const bool command = at_start && word.starts_with("/");
    m.input.complete(completion_candidates(m, word, at_start), !command, command ? U" " : U": ");
}

}  // namespace chat::client
