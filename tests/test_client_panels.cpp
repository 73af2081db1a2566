// The side panels (panels.cpp): how the width is shared, which gives way on a narrow terminal, what
// they list; the keys that toggle them, and the mouse wheel as keys.
#include <doctest/doctest.h>

#include <string>

#include "panels.hpp"
#include "update.hpp"
#include "windows.hpp"

using namespace chat::client;

namespace {

model two_rooms() {
    model m;
    m.nick = "alice";
    m.state = conn_state::online;
    const std::size_t a = open_window(m, "#lobby", false);
    m.windows[a].members = {"zed", "alice", "Bob"};
    const std::size_t b = open_window(m, "#second", false);
    m.windows[b].members = {"alice"};
    return m;
}

std::string text_of(const row& r) {
    std::string out;
    for (const auto& p : r) out += p.text;
    return out;
}

bool press(model& m, key::type t, char32_t cp = 0, int cols = 100) {
    key k;
    k.what = t;
    k.cp = cp;
    effects fx;
    bool redraw = false;
    return on_key(m, k, 20, cols, fx, redraw);
}

}  // namespace

TEST_CASE("panels: off by default; on, they take their columns at each side") {
    model m = two_rooms();
    panel_layout p = layout_panels(m, 100);
    CHECK(p.left == 0);
    CHECK(p.right == 0);
    CHECK(p.pane_width == 100);
    m.cfg.nicklist = true;
    m.cfg.windowlist = true;
    p = layout_panels(m, 100);
    CHECK(p.left == 12);   // " 2.#second " and the separator
    CHECK(p.right == 9);   // at least 8 columns and the separator
    CHECK(p.pane_x == 12);
    CHECK(p.pane_width == 100 - 12 - 9);
    CHECK_FALSE(p.narrow);
}

TEST_CASE("panels: on a narrow terminal the window list gives way first, then the nick list") {
    model m = two_rooms();
    m.cfg.nicklist = true;
    m.cfg.windowlist = true;
    panel_layout p = layout_panels(m, min_pane_cols + 12 + 9);
    CHECK(p.left == 12);
    CHECK(p.right == 9);
    p = layout_panels(m, min_pane_cols + 12 + 8);
    CHECK(p.left == 0);
    CHECK(p.right == 9);
    CHECK(p.narrow);
    CHECK(p.pane_width == min_pane_cols + 11);
    p = layout_panels(m, min_pane_cols + 8);
    CHECK(p.left == 0);
    CHECK(p.right == 0);
    CHECK(p.pane_width == min_pane_cols + 8);
    // No members to list (a private conversation): no nick list, whatever the width.
    open_window(m, "bob", true);
    switch_to(m, 2);
    CHECK(layout_panels(m, 200).right == 0);
}

TEST_CASE("panels: the nick list is sorted without case, and says how many do not fit") {
    model m = two_rooms();
    m.cfg.nicklist = true;
    auto rows = nicklist_rows(m, 8, 10);
    REQUIRE(rows.size() == 3);
    CHECK(text_of(rows[0]) == " alice");
    CHECK(text_of(rows[1]) == " Bob");
    CHECK(text_of(rows[2]) == " zed");
    rows = nicklist_rows(m, 8, 2);
    REQUIRE(rows.size() == 2);
    CHECK(text_of(rows[0]) == " alice");
    CHECK(text_of(rows[1]) == " +2 more");
    // Cut to the panel's width.
    m.windows[0].members = {"a_very_long_nick"};
    rows = nicklist_rows(m, 8, 2);
    CHECK(text_of(rows[0]) == " a_very_");
}

TEST_CASE("panels: the window list numbers the windows and counts unread lines") {
    model m = two_rooms();
    m.windows[1].unread = 3;
    m.windows[1].mentioned = true;
    const auto rows = windowlist_rows(m, 20, 10);
    REQUIRE(rows.size() == 2);
    CHECK(text_of(rows[0]) == " 1.#lobby");
    CHECK(text_of(rows[1]) == " 2.#second 3!");
    CHECK(rows[0][0].look == style::status_hl);  // the current window
}

TEST_CASE("panels: Alt-Shift-N and Alt-Shift-B toggle them; Alt-n still goes to the next window") {
    model m = two_rooms();
    press(m, key::type::alt, U'N');
    CHECK(m.cfg.nicklist);
    press(m, key::type::alt, U'B');
    CHECK(m.cfg.windowlist);
    CHECK(m.current == 0);
    press(m, key::type::alt, U'n');
    CHECK(m.current == 1);
    CHECK(m.cfg.nicklist);
    press(m, key::type::alt, U'N');
    CHECK_FALSE(m.cfg.nicklist);
    // Turned on where it cannot be drawn: the window says why.
    press(m, key::type::alt, U'N', 40);
    CHECK(m.cfg.nicklist);
    CHECK(current_window(m).lines.back().text.find("hidden while the conversation would keep fewer than 50 columns") != std::string::npos);
}

TEST_CASE("panels: the wheel scrolls three rows a notch, in the pane the panels leave") {
    model m = two_rooms();
    window& w = current_window(m);
    for (int i = 0; i < 100; ++i) {
        chat_line l = make_line(chat_line::kind::message, "line " + std::to_string(i));
        l.from = "bob";
        add_line(m, w, l, false);
    }
    press(m, key::type::wheel_up);
    CHECK(w.scroll == 3);
    press(m, key::type::wheel_up);
    CHECK(w.scroll == 6);
    press(m, key::type::wheel_down);
    CHECK(w.scroll == 3);
    scroll_to_end(w);
    // A long line wraps to more rows in the narrower pane between the panels: a notch moves rows.
    chat_line l = make_line(chat_line::kind::message, std::string(150, 'x'));
    l.from = "bob";
    add_line(m, w, l, false);
    // 100 columns: the line takes 2 rows, so a notch hides it and the line above.
    press(m, key::type::wheel_up);
    CHECK(w.scroll == 2);
    scroll_to_end(w);
    // 79 columns between the panels: it takes 3, the whole notch.
    m.cfg.nicklist = true;
    m.cfg.windowlist = true;
    press(m, key::type::wheel_up);
    CHECK(w.scroll == 1);
    CHECK(w.scroll_cut == 0);
}
