// The part of update that handles key presses: editing the input line, scrolling, switching windows.
#include "completion.hpp"
#include "layout.hpp"
#include "panels.hpp"
#include "search_mode.hpp"
#include "update.hpp"
#include "update_session.hpp"
#include "windows.hpp"

namespace chat::client {

void fit_input(model& m, int width) {
    const int room = input_room(m, width);
    if (room > 0) m.input.fit(static_cast<std::size_t>(room));
}

void scroll_by(model& m, long rows, int width, int height) {
    scroll_rows(m, current_window(m), rows, width, height);
}

namespace {

// Alt-Shift-N, Alt-Shift-B: a panel on or off. One that cannot be drawn now says why.
void toggle_panel(model& m, bool& on, const char* name, int term_cols) {
    on = !on;
    if (on && layout_panels(m, term_cols).narrow) {
        add_info(m, std::string("the ") + name + " is on, but hidden while the conversation would keep fewer than " +
                        std::to_string(min_pane_cols) + " columns");
    }
}

constexpr long wheel_rows = 3;  // rows one notch of the wheel scrolls

}  // namespace

bool on_key(model& m, const key& k, std::size_t page_rows, int term_cols, effects& fx, bool& redraw_all) {
    using t = key::type;
    // The message pane is what the panels leave of the terminal's width.
    const int page_cols = layout_panels(m, term_cols).pane_width;
    input_line& in = m.input;
    // A page less two rows, so the rows at the edge stay in view for context.
    const long page = static_cast<long>(page_rows > 2 ? page_rows - 2 : 1);
    const int height = static_cast<int>(page_rows);
    if (m.asking_password) {
        password_key(m, k, fx);
        return !fx.quit_frame.empty();
    }
    if (on_paste_key(m, k, fx)) return false;
    // Ctrl-R and the keys of a search in progress (search_mode.cpp).
    if (search_key(m, k, page_rows, page_cols, fx)) return false;
    switch (k.what) {
    case t::paste:
        on_paste(m, k.text, k.cut_short, k.too_big);
        break;
    case t::escape:
        break;
    case t::scroll_end:
        scroll_to_end(current_window(m));
        break;
    case t::character:
        in.insert(k.cp);
        break;
    case t::enter: {
        // A refused line (too long, past the pending cap, a bad command) stays to be fixed.
        if (on_submit(m, in.utf8(), fx)) in.submit();
        // Sending a line means the user wants to see the conversation's end again.
        scroll_to_end(current_window(m));
        return !fx.quit_frame.empty();
    }
    case t::backspace: in.backspace(); break;
    case t::del: in.erase(); break;
    case t::left: in.left(); break;
    case t::right: in.right(); break;
    case t::home: in.home(); break;
    case t::end:
        // End at the end of the input line goes on to the newest line of the conversation.
        if (in.cursor() == in.text().size()) scroll_to_end(current_window(m));
        in.end();
        break;
    case t::up: in.history_up(); break;
    case t::down: in.history_down(); break;
    case t::page_up: {
        window& w = current_window(m);
        const auto before = std::pair(w.scroll, w.scroll_cut);
        scroll_by(m, page, page_cols, height);
        // At the top of what the window holds: the page above comes from the server's store.
        if (std::pair(w.scroll, w.scroll_cut) == before) request_older(m, w, fx);
        break;
    }
    case t::page_down: scroll_by(m, -page, page_cols, height); break;
    case t::wheel_up: {
        window& w = current_window(m);
        const auto before = std::pair(w.scroll, w.scroll_cut);
        scroll_by(m, wheel_rows, page_cols, height);
        if (std::pair(w.scroll, w.scroll_cut) == before) request_older(m, w, fx);
        break;
    }
    case t::wheel_down: scroll_by(m, -wheel_rows, page_cols, height); break;
    case t::tab:
        // Commands, #rooms and nicks (the most recently active first); again: the next one.
        complete_input(m);
        break;
    case t::function:
        if (k.cp >= 1 && k.cp <= 12) switch_to(m, k.cp - 1);
        break;
    case t::alt:
        if (k.cp >= U'1' && k.cp <= U'9') switch_to(m, k.cp - U'1');
        else if (k.cp == U'0') switch_to(m, 9);
        else if (k.cp == U'n') next_window(m, 1);
        else if (k.cp == U'p' || k.cp == U'P') next_window(m, -1);
        else if (k.cp == U'N') toggle_panel(m, m.cfg.nicklist, "nick list", term_cols);
        else if (k.cp == U'B') toggle_panel(m, m.cfg.windowlist, "window list", term_cols);
        break;
    case t::ctrl:
        switch (k.cp) {
        case U'a': in.home(); break;
        case U'e': in.end(); break;
        case U'b': in.left(); break;
        case U'f': in.right(); break;
        case U'h': in.backspace(); break;
        case U'w': in.erase_word(); break;
        case U'u': in.erase_to_start(); break;
        case U'n': next_window(m, 1); break;
        case U'p': next_window(m, -1); break;
        case U'l': redraw_all = true; break;
        case U'z': fx.suspend = true; break;
        case U'c':
            on_submit(m, "/quit", fx);
            return true;
        case U'd':
            if (in.empty()) {
                on_submit(m, "/quit", fx);
                return true;
            }
            in.erase();
            break;
        default: break;
        }
        break;
    case t::resize:
        redraw_all = true;
        break;
    case t::none:
        break;
    }
    return false;
}

}  // namespace chat::client
