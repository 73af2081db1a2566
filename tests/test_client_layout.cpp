// Laying chat lines out on screen rows: wrapping by display width (wide characters never split
// across the edge), word boundaries, hanging indent, and tiny widths.
#include <doctest/doctest.h>

#include <algorithm>

#include "format.hpp"
#include "layout.hpp"
#include "urls.hpp"
#include "utf8.hpp"

using namespace chat::client;

namespace {

std::string text_of(const row& r) {
    std::string out;
    for (const auto& piece : r) out += piece.text;
    return out;
}

std::vector<std::string> wrapped(const std::string& text, int width, int indent = 0) {
    std::vector<std::string> out;
    for (const auto& r : wrap({{text, style::normal}}, width, indent)) out.push_back(text_of(r));
    return out;
}

}  // namespace

TEST_CASE("layout: words wrap at spaces with a hanging indent") {
    const auto rows = wrapped("12:00 <bob> the quick brown fox jumps over", 20, 6);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == "12:00 <bob> the");
    CHECK(rows[1] == "      quick brown");
    CHECK(rows[2] == "      fox jumps over");  // exactly 20 columns
}

TEST_CASE("layout: wide characters are measured and never split across the edge") {
    // 9 CJK characters = 18 columns into rows of 5 columns: 2 per row (4 columns), never 2.5.
    const auto rows = wrap({{"一二三四五六七八九", style::normal}}, 5, 0);
    REQUIRE(rows.size() == 5);
    for (const auto& r : rows) CHECK(row_width(r) <= 5);
    CHECK(text_of(rows[0]) == "一二");
    CHECK(text_of(rows[4]) == "九");
    const auto emoji = wrap({{"ab🎉🎉🎉", style::normal}}, 3, 0);
    for (const auto& r : emoji) CHECK(row_width(r) <= 3);
    CHECK(text_of(emoji[0]) == "ab");
}

TEST_CASE("layout: a word longer than the row is cut; styles are kept per piece") {
    const auto rows = wrap({{"<", style::dim}, {"bob", style::nick0}, {"> ", style::dim},
                            {"aaaaaaaaaaaaaaaaaaaa", style::normal}},
                           10, 2);
    REQUIRE(rows.size() >= 3);
    for (const auto& r : rows) CHECK(row_width(r) <= 10);
    CHECK(rows[0][1].look == style::nick0);
    CHECK(rows[0][1].text == "bob");
    CHECK(rows.back().back().look == style::normal);
}

TEST_CASE("layout: widths 0 and 1 and zalgo text do not break") {
    CHECK(wrap({{"hello", style::normal}}, 0, 6).size() == 1);
    const auto one = wrap({{"hi 中 x", style::normal}}, 1, 6);
    for (const auto& r : one) CHECK(row_width(r) <= 2);  // a wide character alone on a 1-column row
    std::string zalgo = "e";
    for (int i = 0; i < 3000; ++i) zalgo += "\xCC\x81";
    const auto z = wrap({{chat::utf8::sanitize(zalgo) + " end", style::normal}}, 10, 0);
    CHECK(z.size() == 1);
    CHECK(row_width(z[0]) <= 10);
}

TEST_CASE("layout: pieces of message kinds") {
    model m;
    m.nick = "alice";
    window room;
    room.name = "#lobby";
    chat_line l;
    l.what = chat_line::kind::message;
    l.ts = 0;
    l.from = "bob";
    l.text = "hey Alice";
    auto p = pieces(m, room, l);
    std::string all;
    for (const auto& r : p) all += r.text;
    CHECK(all.find("<bob> hey Alice") != std::string::npos);
    CHECK(p.back().look == style::highlight);  // it names us

    l.what = chat_line::kind::pm;
    l.to = "alice";
    l.text = "psst";
    all.clear();
    for (const auto& r : pieces(m, room, l)) all += r.text;
    CHECK(all.find("[pm] <bob -> alice> psst") != std::string::npos);

    l.what = chat_line::kind::pending;
    l.from = "alice";
    l.text = "later";
    all.clear();
    for (const auto& r : pieces(m, room, l)) all += r.text;
    CHECK(all.find("(pending)") != std::string::npos);
    CHECK(nick_style("Bob") == nick_style("bob"));
}

namespace {

chat_line talk(const std::string& from, const std::string& text, bool history) {
    chat_line l;
    l.what = chat_line::kind::message;
    l.ts = 1764079200000;
    l.from = from;
    l.text = text;
    l.history = history;
    return l;
}

// Every row of window `w` as text, top to bottom.
std::vector<std::string> screen_of(const model& m, const window& w, int width) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < w.lines.size(); ++i) {
        for (const auto& r : line_rows(m, w, i, width, 20251125)) out.push_back(text_of(r));
    }
    return out;
}

}  // namespace

TEST_CASE("layout: history is dimmed and a separator divides it from live lines") {
    model m;
    m.nick = "alice";
    window w;
    w.name = "#lobby";
    w.lines.push_back(talk("bob", "old one, alice", true));
    w.lines.push_back(talk("carol", "old two", true));
    // Right after joining only history is there: the separator already says it is old.
    auto rows = screen_of(m, w, 80);
    REQUIRE(!rows.empty());
    CHECK(rows.back() == history_separator(2));
    CHECK(history_separator(2).find("2 earlier messages") != std::string::npos);
    for (const auto& r : pieces(m, w, w.lines[0])) CHECK(r.look == style::dim);  // even a mention

    w.lines.push_back(talk("bob", "live now", false));
    rows = screen_of(m, w, 80);
    const auto sep = std::find(rows.begin(), rows.end(), history_separator(2));
    REQUIRE(sep != rows.end());
    CHECK(std::count(rows.begin(), rows.end(), history_separator(2)) == 1);
    CHECK(sep[-1].find("old two") != std::string::npos);
    CHECK(sep[1].find("<bob> live now") != std::string::npos);
    const auto live = pieces(m, w, w.lines[2]);
    CHECK(live[2].look == nick_style("bob"));
    CHECK(live.back().look == style::normal);
}

TEST_CASE("layout: wrapped rows continue under the message text, and help under its second column") {
    model m;
    m.nick = "alice";
    window w;
    w.name = "#lobby";
    w.lines.push_back(talk("bob", "the quick brown fox jumps over the lazy dog", false));
    auto rows = line_rows(m, w, 0, 30, day_key(w.lines[0].ts));
    REQUIRE(rows.size() >= 2);
    CHECK(text_of(rows[0]).find("<bob> the quick") == 6);
    const std::size_t text_col = std::string("12:00 <bob> ").size();
    for (std::size_t i = 1; i < rows.size(); ++i) {
        CHECK(text_of(rows[i]).find_first_not_of(' ') == text_col);
    }
    // Too narrow for that: the rows continue just past the time.
    rows = line_rows(m, w, 0, 16, day_key(w.lines[0].ts));
    REQUIRE(rows.size() >= 2);
    CHECK(text_of(rows[1]).find_first_not_of(' ') == static_cast<std::size_t>(line_indent));

    chat_line help;
    help.what = chat_line::kind::info;
    help.ts = w.lines[0].ts;
    help.text = "/reconnect           while disconnected, try again now instead of waiting";
    w.lines.push_back(help);
    rows = line_rows(m, w, 1, 60, day_key(help.ts));
    REQUIRE(rows.size() >= 2);
    CHECK(text_of(rows[1]).find_first_not_of(' ') == text_of(rows[0]).find("while"));
}

TEST_CASE("layout: a narrow status bar drops the address and quiet windows before what is new") {
    model m;
    m.nick = "carol_with_long";
    m.address = "192.168.100.200:7667";
    m.state = conn_state::online;
    for (const char* name : {"#lobby", "#rust", "#ops", "bob"}) {
        window w;
        w.name = name;
        w.query = name[0] != '#';
        m.windows.push_back(w);
    }
    m.windows[0].members = {"carol_with_long", "bob"};
    m.windows[3].unread = 2;
    m.windows[3].mentioned = true;

    auto bar = status_line(m, 120);
    CHECK(bar.right.text == "online");
    CHECK(text_of(bar.left) == " carol_with_long @ 192.168.100.200:7667 | #lobby (2) | [1:#lobby] 2:#rust 3:#ops 4:bob(2!)");

    // 60 columns: the address goes first, then windows with nothing new; the new lines stay.
    bar = status_line(m, 60);
    const std::string narrow = text_of(bar.left);
    CHECK(static_cast<int>(chat::utf8::display_width(narrow)) <= 60 - 8);
    CHECK(narrow.find("192.168") == std::string::npos);
    CHECK(narrow.find("4:bob(2!)") != std::string::npos);
    CHECK(narrow.find("#lobby (2)") != std::string::npos);
    CHECK(narrow.find(" +2") != std::string::npos);  // #rust and #ops are not listed

    m.current = 1;
    m.windows[1].joining = true;
    CHECK(text_of(status_line(m, 120).left).find("| #rust (joining) |") != std::string::npos);
}

TEST_CASE("layout: a URL longer than the rest of the row starts its own row, its continuation without indent") {
    const std::string url = "https://example.org/a/very/long/path/that/goes/on?and=on&for=ever#frag";
    REQUIRE(url.size() == 70);
    const auto rows = wrapped("12:00 <bob> see " + url + " thanks", 30, 12);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0] == "12:00 <bob> see");
    // Full rows from the first column: joined, they are the URL, with no space inside it.
    CHECK(rows[1] == url.substr(0, 30));
    CHECK(rows[2] == url.substr(30, 30));
    CHECK(rows[3] == url.substr(60) + " thanks");
    // On a row that holds only the indent, the URL takes the row from its first column.
    const auto again = wrapped("12:00 <bob> see\n" + url, 30, 12);
    REQUIRE(again.size() == 4);
    CHECK(again[1] == url.substr(0, 30));
    CHECK(again[3] == url.substr(60));
}

TEST_CASE("layout: a URL that fits an indented row is moved there whole; other long words are cut as before") {
    auto rows = wrapped("12:00 <bob> look www.example.org/ab now", 30, 12);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == "12:00 <bob> look");
    CHECK(rows[1] == "            www.example.org/ab");
    CHECK(rows[2] == "            now");
    rows = wrapped("12:00 <bob> look abcdefghijklmnopqrstuvwxyz0123", 30, 12);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == "12:00 <bob> look abcdefghijklm");
    CHECK(rows[1] == "            nopqrstuvwxyz0123");
}

TEST_CASE("layout: what counts as a URL") {
    CHECK(is_url("https://x.org"));
    CHECK(is_url("gemini://x"));
    CHECK(is_url("(https://x.org/a)"));
    CHECK(is_url("<http://x>"));
    CHECK(is_url("www.example.org"));
    CHECK_FALSE(is_url("https://"));
    CHECK_FALSE(is_url("x://y"));       // a one-letter scheme is a drive letter or a typo
    CHECK_FALSE(is_url("9ab://y"));
    CHECK_FALSE(is_url("ht tp://y"));
    CHECK_FALSE(is_url("hello"));
    CHECK_FALSE(is_url("www."));
}

TEST_CASE("layout: a zero-width joiner is drawn as a mark on screen, never dropped; line mode keeps it") {
    model m;
    m.nick = "alice";
    window room;
    room.name = "#lobby";
    chat_line l;
    l.what = chat_line::kind::message;
    l.from = "bob";
    const std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
    l.text = chat::utf8::sanitize("family " + family + " and lone \u200D");
    std::string all;
    for (const auto& r : pieces(m, room, l)) all += r.text;
    CHECK(all.find("family \U0001F468<ZWJ>\U0001F469<ZWJ>\U0001F467 and lone <U+200D>") != std::string::npos);
    CHECK(all.find("\u200D") == std::string::npos);  // curses would drop it
    // The mark is measured like the text it is, so rows still fit.
    const auto rows = wrap(pieces(m, room, l), 12, 0);
    for (const auto& r : rows) CHECK(row_width(r) <= 12);
    printed_line p{"#lobby", false, l};
    CHECK(plain_text(p).find("family " + family + " and lone <U+200D>") != std::string::npos);
}
