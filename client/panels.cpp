#include "panels.hpp"

#include <algorithm>
#include <string>

#include "protocol.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

int cols_of(std::string_view s) { return static_cast<int>(chat::utf8::display_width(s)); }

std::string window_label(const model& m, std::size_t i) {
    const window& w = m.windows[i];
    std::string label = std::to_string(i + 1) + "." + w.name;
    if (w.unread > 0) label += " " + std::to_string(w.unread) + (w.mentioned ? "!" : "");
    return label;
}

// Widths wanted, separator included: the longest entry, within bounds.
int windowlist_wants(const model& m) {
    if (m.windows.empty()) return 0;
    int widest = 0;
    for (std::size_t i = 0; i < m.windows.size(); ++i) widest = std::max(widest, cols_of(window_label(m, i)));
    return std::clamp(widest + 2, 8, 22) + 1;  // a space at each side, then the separator
}

const window* nick_window(const model& m) {
    if (m.windows.empty()) return nullptr;
    const window& w = current_window(m);
    return w.query || w.members.empty() ? nullptr : &w;
}

int nicklist_wants(const model& m) {
    const window* w = nick_window(m);
    if (w == nullptr) return 0;
    int widest = 0;
    for (const auto& n : w->members) widest = std::max(widest, cols_of(n));
    return std::clamp(widest + 2, 8, 18) + 1;
}

style activity_look(activity a) {
    switch (a) {
    case activity::none: return style::normal;
    case activity::notice: return style::notice;
    case activity::message: return style::bold;
    case activity::private_msg: return style::pm;
    case activity::mention: return style::highlight;
    }
    return style::normal;
}

// Cut to `width` columns.
row one(std::string text, style s, int width) {
    row r;
    std::string out;
    int used = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t start = i;
        const char32_t cp = chat::utf8::decode(text, i);
        int w = chat::utf8::width(cp);
        if (w < 0) w = 1;
        if (used + w > width) break;
        out.append(text, start, i - start);
        used += w;
    }
    r.push_back({out, s});
    return r;
}

}  // namespace

panel_layout layout_panels(const model& m, int cols) {
    panel_layout p;
    p.left = m.cfg.windowlist ? windowlist_wants(m) : 0;
    p.right = m.cfg.nicklist ? nicklist_wants(m) : 0;
    // Short of columns, the window list goes first (the status bar lists the windows too).
    if (p.left > 0 && cols - p.left - p.right < min_pane_cols) {
        p.left = 0;
        p.narrow = true;
    }
    if (p.right > 0 && cols - p.right < min_pane_cols) {
        p.right = 0;
        p.narrow = true;
    }
    p.pane_x = p.left;
    p.pane_width = std::max(0, cols - p.left - p.right);
    return p;
}

std::vector<row> windowlist_rows(const model& m, int width, int height) {
    std::vector<row> out;
    for (std::size_t i = 0; i < m.windows.size() && static_cast<int>(out.size()) < height; ++i) {
        const bool current = i == m.current;
        const style s = current ? style::status_hl : m.windows[i].query && m.windows[i].act == activity::none
                                                         ? style::normal
                                                         : activity_look(m.windows[i].act);
        out.push_back(one(" " + window_label(m, i), s, width));
    }
    return out;
}

std::vector<row> nicklist_rows(const model& m, int width, int height) {
    std::vector<row> out;
    const window* w = nick_window(m);
    if (w == nullptr || height <= 0) return out;
    std::vector<std::string> nicks = w->members;
    std::sort(nicks.begin(), nicks.end(), [](const std::string& a, const std::string& b) { return chat::fold(a) < chat::fold(b); });
    const std::size_t fit = static_cast<std::size_t>(height);
    const std::size_t shown = nicks.size() <= fit ? nicks.size() : fit - 1;
    for (std::size_t i = 0; i < shown; ++i) {
        out.push_back(one(" " + nicks[i], same_nick(nicks[i], m.nick) ? style::bold : nick_style(nicks[i]), width));
    }
    if (shown < nicks.size()) out.push_back(one(" +" + std::to_string(nicks.size() - shown) + " more", style::dim, width));
    return out;
}

}  // namespace chat::client
