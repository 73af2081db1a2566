// Ctrl-R: the incremental search of a window's scroll-back and of the typed history, as keys on
// the model (search_mode.cpp), and the highlight of what it found.
#include <doctest/doctest.h>

#include <string>

#include "layout.hpp"
#include "search_mode.hpp"
#include "update.hpp"
#include "windows.hpp"

using namespace chat::client;

namespace {

constexpr std::size_t pane_h = 10;
constexpr int pane_w = 80;

// Alice in #rust, which holds `n` lines "line i" from bob, and the lines named in `extra` at the
// given positions.
model with_lines(int n) {
    model m;
    m.nick = "alice";
    m.state = conn_state::online;
    const std::size_t i = open_window(m, "#rust", false);
    for (int k = 0; k < n; ++k) {
        chat_line l = make_line(chat_line::kind::message, "line " + std::to_string(k));
        l.from = "bob";
        add_line(m, m.windows[i], l, false);
    }
    return m;
}

void say(model& m, const std::string& from, const std::string& text) {
    chat_line l = make_line(chat_line::kind::message, text);
    l.from = from;
    add_line(m, current_window(m), l, false);
}

void press(model& m, key k) {
    effects fx;
    bool redraw = false;
    on_key(m, k, pane_h, pane_w, fx, redraw);
}

key ctrl(char32_t c) {
    key k;
    k.what = key::type::ctrl;
    k.cp = c;
    return k;
}

key plain(key::type t) {
    key k;
    k.what = t;
    return k;
}

void type(model& m, const std::string& s) {
    for (char c : s) {
        key k;
        k.what = key::type::character;
        k.cp = static_cast<char32_t>(c);
        press(m, k);
    }
}

std::string bar(const model& m) {
    std::string out;
    for (const auto& r : status_line(m, 200).left) out += r.text;
    return out;
}

// The index of the line the search shows as its match, or -1.
long match_index(const model& m) {
    const window& w = current_window(m);
    for (std::size_t i = 0; i < w.lines.size(); ++i) {
        if (is_search_match(m, w, i)) return static_cast<long>(i);
    }
    return -1;
}

}  // namespace

TEST_CASE("Ctrl-R on an empty input line searches the scroll-back, newest match first, Ctrl-R again goes older") {
    model m = with_lines(0);
    say(m, "bob", "deploy at noon");      // 0
    say(m, "carol", "lunch?");            // 1
    say(m, "bob", "the Deploy is done");  // 2
    say(m, "carol", "thanks");            // 3
    press(m, ctrl(U'r'));
    CHECK(m.isearch.what == search_state::mode::scrollback);
    CHECK(bar(m).find("search #rust: \"\"") != std::string::npos);
    type(m, "deploy");
    CHECK(match_index(m) == 2);  // case-insensitive
    CHECK(bar(m).find("search #rust: \"deploy\"") != std::string::npos);
    press(m, ctrl(U'r'));
    CHECK(match_index(m) == 0);
    // Nothing older: the match stays and the bar says so.
    press(m, ctrl(U'r'));
    CHECK(match_index(m) == 0);
    CHECK(bar(m).find("no older match") != std::string::npos);
    // What is typed goes to the query, not the input line.
    CHECK(m.input.empty());
    press(m, plain(key::type::enter));
    CHECK(m.isearch.what == search_state::mode::off);
    CHECK(match_index(m) == -1);
    CHECK(bar(m).find("search") == std::string::npos);
}

TEST_CASE("a scroll-back search that finds nothing says so in the status bar") {
    model m = with_lines(20);
    press(m, ctrl(U'r'));
    type(m, "line 1");
    CHECK(match_index(m) == 19);  // "line 19" is the newest holding it
    type(m, "x");
    CHECK(match_index(m) == -1);
    CHECK(bar(m).find("\"line 1x\" not found") != std::string::npos);
    // Backspace takes the x back and finds it again.
    press(m, plain(key::type::backspace));
    CHECK(match_index(m) == 19);
}

TEST_CASE("the match is scrolled into view, and Esc goes back to where the window was") {
    model m = with_lines(200);
    window& w = current_window(m);
    REQUIRE(w.scroll == 0);
    press(m, ctrl(U'r'));
    type(m, "line 1");
    REQUIRE(match_index(m) == 199);  // already on screen: nothing moves
    CHECK(w.scroll == 0);
    type(m, "2");
    REQUIRE(match_index(m) == 129);
    // Scrolled so line 129 is half way up the pane, the lines after it below.
    CHECK(w.lines.size() - w.scroll == 130 + pane_h / 2);
    CHECK(lines_below(w) == 70 - pane_h / 2);
    // An older match still on screen does not move it.
    press(m, ctrl(U'r'));
    CHECK(match_index(m) == 128);
    CHECK(w.lines.size() - w.scroll == 130 + pane_h / 2);
    for (int i = 0; i < 9; ++i) press(m, ctrl(U'r'));
    CHECK(match_index(m) == 12);
    CHECK(w.lines.size() - w.scroll == 13 + pane_h / 2);
    // A new line arriving while searching keeps the same line matched.
    say(m, "dave", "something new");
    CHECK(match_index(m) == 12);
    press(m, plain(key::type::escape));
    CHECK(m.isearch.what == search_state::mode::off);
    CHECK(w.scroll == 0);
    CHECK(w.scroll_cut == 0);
}

TEST_CASE("another key ends the search where it is, then does what it does") {
    model m = with_lines(100);
    press(m, ctrl(U'r'));
    type(m, "line 10");
    REQUIRE(match_index(m) == 10);
    const std::size_t scroll = current_window(m).scroll;
    REQUIRE(scroll > 0);
    press(m, plain(key::type::left));  // not a search key
    CHECK(m.isearch.what == search_state::mode::off);
    CHECK(current_window(m).scroll == scroll);
    type(m, "hi");
    CHECK(m.input.utf8() == "hi");
}

TEST_CASE("Ctrl-R with text in the input line searches the typed history for it") {
    model m = with_lines(0);
    m.input.insert_utf8("deploy the web tier");
    m.input.submit();
    m.input.insert_utf8("lunch at one");
    m.input.submit();
    m.input.insert_utf8("deploy done");
    m.input.submit();
    m.input.insert_utf8("dep");
    press(m, ctrl(U'r'));
    CHECK(m.isearch.what == search_state::mode::history);
    CHECK(m.input.utf8() == "deploy done");
    CHECK(bar(m).find("history search: \"dep\"") != std::string::npos);
    press(m, ctrl(U'r'));
    CHECK(m.input.utf8() == "deploy the web tier");
    type(m, "x");
    CHECK(bar(m).find("\"depx\" not found") != std::string::npos);
    CHECK(m.input.utf8() == "dep");
    // Esc: the line as it was typed.
    press(m, plain(key::type::escape));
    CHECK(m.isearch.what == search_state::mode::off);
    CHECK(m.input.utf8() == "dep");
    // Enter takes the match into the input line to edit, without sending it.
    press(m, ctrl(U'r'));
    press(m, plain(key::type::enter));
    CHECK(m.isearch.what == search_state::mode::off);
    CHECK(m.input.utf8() == "deploy done");
    CHECK(current_window(m).lines.empty());
}

TEST_CASE("the match is drawn in its own style, across the runs of a line") {
    model m = with_lines(0);
    say(m, "bob", "a Deploy and a deploy");
    std::vector<run> runs = pieces(m, current_window(m), current_window(m).lines[0]);
    mark_matches(runs, "deploy");
    std::string marked;
    int hits = 0;
    std::string all;
    for (std::size_t i = 1; i < runs.size(); ++i) {
        all += runs[i].text;
        if (runs[i].look == style::search_match) {
            ++hits;
            marked += runs[i].text + "|";
        }
    }
    CHECK(hits == 2);
    CHECK(marked == "Deploy|deploy|");
    CHECK(all == "<bob> a Deploy and a deploy");
    // A query spanning the nick and the text is marked in both runs.
    runs = pieces(m, current_window(m), current_window(m).lines[0]);
    mark_matches(runs, "bob> a");
    marked.clear();
    for (const auto& r : runs) {
        if (r.look == style::search_match) marked += r.text + "|";
    }
    CHECK(marked == "bob|> |a|");
}

TEST_CASE("past the oldest match, Ctrl-R asks the server's stored history where it can search") {
    model m = with_lines(0);
    say(m, "bob", "deploy at noon");
    press(m, ctrl(U'r'));
    type(m, "deploy");
    press(m, ctrl(U'r'));
    REQUIRE(m.isearch.no_older);
    // Without the feature: nothing more to do, the search stays.
    CHECK(bar(m).find("asks the server") == std::string::npos);
    {
        effects fx;
        bool redraw = false;
        on_key(m, ctrl(U'r'), pane_h, pane_w, fx, redraw);
        CHECK(fx.frames.empty());
        CHECK(m.isearch.what == search_state::mode::scrollback);
    }
    m.search = true;  // welcome.features has "search"
    CHECK(bar(m).find("(no older match), Ctrl-R asks the server") != std::string::npos);
    effects fx;
    bool redraw = false;
    on_key(m, ctrl(U'r'), pane_h, pane_w, fx, redraw);
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find(R"("type":"search")") != std::string::npos);
    CHECK(fx.frames[0].find(R"("words":"deploy")") != std::string::npos);
    CHECK(fx.frames[0].find(R"("room":"#rust")") != std::string::npos);
    CHECK(m.isearch.what == search_state::mode::off);
    // Nothing found at all asks the same way.
    press(m, ctrl(U'r'));
    type(m, "nowhere");
    CHECK(bar(m).find("\"nowhere\" not found, Ctrl-R asks the server") != std::string::npos);
}
