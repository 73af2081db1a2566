#include "view.hpp"

#include <algorithm>
#include <vector>

#include "format.hpp"
#include "layout.hpp"
#include "panels.hpp"
#include "protocol.hpp"
#include "windows.hpp"
#include "utf8.hpp"

namespace chat::client {

namespace {

int draw_row(terminal& t, int y, const row& r, int width, int x0 = 0) {
    int x = 0;
    for (const auto& piece : r) x += t.put(y, x0 + x, piece.text, piece.look, width - x);
    return x;
}

// A side panel: its rows in `width` columns from `x`, and a separator column at `sep`.
void draw_panel(terminal& t, const std::vector<row>& rows, int top, int height, int x, int width, int sep) {
    for (int i = 0; i < height; ++i) {
        t.put(top + i, sep, "\u2502", style::dim, 1);
        if (i < static_cast<int>(rows.size())) draw_row(t, top + i, rows[static_cast<std::size_t>(i)], width, x);
    }
}

void draw_title(const model& m, terminal& t, int width) {
    const window& w = current_window(m);
    t.fill(0, 0, width, style::title);
    std::string title;
    if (m.windows.empty()) title = " no room open: /join #room";
    else if (w.query) title = " private conversation with " + w.name;
    else title = " " + w.name + (w.topic.empty() ? "" : ": " + w.topic);
    t.put(0, 0, title, style::title, width);
}

void draw_status(const model& m, terminal& t, int y, int width) {
    t.fill(y, 0, width, style::status);
    const status_bar bar = status_line(m, width);
    // The connection state sits at the right edge; it matters most when it is not "online".
    const int conn_cols = static_cast<int>(chat::utf8::display_width(bar.right.text)) + 2;
    int x = 0;
    for (const auto& r : bar.left) x += t.put(y, x, r.text, r.look, width - x - conn_cols);
    t.put(y, std::max(0, width - conn_cols + 1), bar.right.text, bar.right.look, conn_cols - 1);
}

void draw_pane(const model& m, terminal& t, int top, int height, int x0, int width) {
    const window& w = current_window(m);
    if (height <= 0) return;
    std::vector<row> rows;
    const std::size_t hidden = std::min(w.scroll, w.lines.size());
    std::size_t end = w.lines.size() - hidden;
    // Lay out from the newest visible line upwards until the pane is full.
    std::vector<std::vector<row>> chunks;
    std::size_t filled = 0;
    const int today = day_key(chat::now_ms());
    const std::size_t cut = w.scroll_cut;
    while (end > 0 && filled < static_cast<std::size_t>(height) + cut) {
        --end;
        chunks.push_back(line_rows(m, w, end, width, today));
        filled += chunks.back().size();
    }
    for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) {
        for (auto& r : *it) rows.push_back(std::move(r));
    }
    // Scrolled back part of the way through a long line: its lower rows are below the pane.
    rows.resize(rows.size() - std::min(cut, rows.size() > 0 ? rows.size() - 1 : 0));
    const std::size_t skip = rows.size() > static_cast<std::size_t>(height) ? rows.size() - static_cast<std::size_t>(height) : 0;
    // Few lines sit at the bottom of the pane, next to the input line, like a conversation.
    int y = top + height - static_cast<int>(rows.size() - skip);
    for (std::size_t i = skip; i < rows.size(); ++i, ++y) draw_row(t, y, rows[i], width, x0);
    if (w.lines.empty() && m.windows.empty()) {
        t.put(top, x0, "Type /join #room to join a room, /rooms to list them, /help for help.", style::dim, width);
    }
}

void draw_input(const model& m, terminal& t, int y, int width) {
    const window& w = current_window(m);
    if (m.isearch.what == search_state::mode::scrollback) {
        // Ctrl-R in the scroll-back: the query is typed here, the status bar says what it found.
        const int x = t.put(y, 0, "search " + w.name + "> ", style::status_hl, width);
        const int used = t.put(y, x, chat::utf8::sanitize(m.isearch.query), style::normal, width - x);
        t.place_cursor(y, std::min(width - 1, x + used));
        return;
    }
    if (m.asking_password) {
        // One '*' per character typed; the password itself is never drawn.
        std::size_t chars = 0;
        for (const char c : m.password_typed) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
        const int x = t.put(y, 0, "password> ", style::bold, width);
        const int used = t.put(y, x, std::string(std::min<std::size_t>(chars, 512), '*'), style::normal, width - x);
        t.place_cursor(y, std::min(width - 1, x + used));
        return;
    }
    const int room = input_room(m, width);
    const int x = width - room;
    if (x > 0) t.put(y, 0, input_prompt(m), w.query ? style::pm : style::bold, width);
    if (room <= 0) {
        t.place_cursor(y, width - 1);
        return;
    }
    // Where the visible part begins was chosen by fit_input, before the draw.
    const std::size_t first = m.input.first_visible();
    const auto& text = m.input.text();
    std::string visible;
    // A line break (a paste put back) shows as a mark; it is sent as a break.
    for (std::size_t i = first; i < text.size(); ++i) chat::utf8::append(visible, text[i] == U'\n' ? U'\u21b5' : text[i]);
    t.put(y, x, visible, style::normal, room);
    std::size_t cursor_col = 0;
    for (std::size_t i = first; i < m.input.cursor(); ++i) cursor_col += input_line::columns(text[i]);
    t.place_cursor(y, x + static_cast<int>(cursor_col));
}

}  // namespace

std::size_t pane_rows(int rows) { return rows > 3 ? static_cast<std::size_t>(rows - 3) : 0; }

void draw(const model& m, terminal& t) {
    const int height = t.rows();
    const int width = t.cols();
    // look.mouse, from the config file or /set: the terminal reports the wheel only while it is on.
    t.set_mouse(m.cfg.mouse);
    t.erase();
    if (height <= 0 || width <= 0) {
        t.refresh();
        return;
    }
    if (height >= 4) {
        draw_title(m, t, width);
        // A paste waiting for an answer takes the bottom of the pane, next to the input line.
        const int pane = height - 3;
        // The side panels that are on and fit (panels.hpp) take the pane's height at its sides.
        const panel_layout pl = layout_panels(m, width);
        if (pl.left > 0) draw_panel(t, windowlist_rows(m, pl.left - 1, pane), 1, pane, 0, pl.left - 1, pl.left - 1);
        if (pl.right > 0) {
            const int x = width - pl.right + 1;
            draw_panel(t, nicklist_rows(m, pl.right - 1, pane), 1, pane, x, pl.right - 1, x - 1);
        }
        auto offer = paste_rows(m, pl.pane_width);
        const int offer_rows = std::min(static_cast<int>(offer.size()), pane);
        draw_pane(m, t, 1, pane - offer_rows, pl.pane_x, pl.pane_width);
        for (int i = 0; i < offer_rows; ++i) {
            draw_row(t, 1 + pane - offer_rows + i, offer[static_cast<std::size_t>(i)], pl.pane_width, pl.pane_x);
        }
        draw_status(m, t, height - 2, width);
    } else if (height >= 2) {
        draw_status(m, t, height - 2, width);
    }
    draw_input(m, t, height - 1, width);
    t.refresh();
}

}  // namespace chat::client
