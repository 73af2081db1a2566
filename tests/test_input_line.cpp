// Editing the input line: UTF-8 with wide characters, word and line erasing, history, scrolling.
#include <doctest/doctest.h>

#include "input_line.hpp"

using chat::client::input_line;

TEST_CASE("input_line: typing and moving over ASCII, CJK and emoji") {
    input_line in;
    in.insert_utf8("a中😀b");
    CHECK(in.text().size() == 4);
    CHECK(in.utf8() == "a中😀b");
    CHECK(in.cursor_column() == 6);  // 1 + 2 + 2 + 1
    in.left();
    CHECK(in.cursor_column() == 5);
    in.left();
    CHECK(in.cursor_column() == 3);
    in.backspace();  // removes 中
    CHECK(in.utf8() == "a😀b");
    CHECK(in.cursor_column() == 1);
    in.insert(U'é');
    CHECK(in.utf8() == "aé😀b");
    in.home();
    CHECK(in.cursor() == 0);
    in.erase();
    CHECK(in.utf8() == "é😀b");
    in.end();
    CHECK(in.cursor() == 3);
    in.right();  // at the end: stays
    CHECK(in.cursor() == 3);
}

TEST_CASE("input_line: combining marks travel with their base character") {
    input_line in;
    in.insert_utf8("e\xCC\x81x");  // e + combining acute + x
    CHECK(in.cursor_column() == 2);
    in.left();
    in.left();
    CHECK(in.cursor() == 0);
    in.right();
    CHECK(in.cursor() == 2);
}

TEST_CASE("input_line: invalid UTF-8 and control characters are repaired, never thrown") {
    input_line in;
    in.insert_utf8("a\xff" "b\x1b[2Jc\x01");
    CHECK(in.utf8() == "a\xEF\xBF\xBD" "b[2Jc");
    in.insert(0x202E);
    CHECK(in.utf8().size() > 0);
    in.insert(0xD800);  // a lone surrogate becomes U+FFFD
    CHECK(in.text().back() == 0xFFFD);
}

TEST_CASE("input_line: Ctrl-W erases a word, Ctrl-U the start of the line") {
    input_line in;
    in.insert_utf8("hello big  world");
    in.erase_word();
    CHECK(in.utf8() == "hello big  ");
    in.erase_word();
    CHECK(in.utf8() == "hello ");
    in.insert_utf8("there 世界");
    in.left();
    in.left();
    in.erase_to_start();
    CHECK(in.utf8() == "世界");
    CHECK(in.cursor() == 0);
    in.erase_word();
    CHECK(in.utf8() == "世界");
}

TEST_CASE("input_line: history walks back and forth and keeps the draft") {
    input_line in;
    in.insert_utf8("first");
    CHECK(in.submit() == "first");
    in.insert_utf8("second");
    CHECK(in.submit() == "second");
    CHECK(in.empty());
    in.insert_utf8("dra");
    in.history_up();
    CHECK(in.utf8() == "second");
    in.history_up();
    CHECK(in.utf8() == "first");
    in.history_up();
    CHECK(in.utf8() == "first");
    in.history_down();
    CHECK(in.utf8() == "second");
    in.history_down();
    CHECK(in.utf8() == "dra");
    in.history_down();
    CHECK(in.utf8() == "dra");
}

TEST_CASE("input_line: history is bounded and skips repeats") {
    input_line in(3);
    for (const char* s : {"a", "b", "b", "c", "d"}) {
        in.insert_utf8(s);
        in.submit();
    }
    in.history_up();
    CHECK(in.utf8() == "d");
    in.history_up();
    CHECK(in.utf8() == "c");
    in.history_up();
    CHECK(in.utf8() == "b");
    in.history_up();
    CHECK(in.utf8() == "b");  // "a" fell off the bounded history
}

TEST_CASE("input_line: horizontal scrolling keeps the cursor inside the width") {
    input_line in;
    for (int i = 0; i < 30; ++i) in.insert(U'中');  // 60 columns
    const std::size_t width = 11;
    std::size_t first = in.fit(width);
    auto cols_before_cursor = [&] { return in.cursor_column() - 2 * first; };
    CHECK(cols_before_cursor() + 1 <= width);
    CHECK(first > 0);
    in.home();
    first = in.fit(width);
    CHECK(first == 0);
    for (int i = 0; i < 15; ++i) {
        in.right();
        first = in.fit(width);
        CHECK(in.cursor() >= first);
        CHECK(cols_before_cursor() + 2 <= width);
    }
    // Width 0 and 1 do not crash or loop.
    in.fit(0);
    in.fit(1);
    CHECK(in.first_visible() <= in.cursor());
    // Deleting back to a short line scrolls back to the start.
    in.end();
    for (int i = 0; i < 27; ++i) in.backspace();
    CHECK(in.fit(width) == 0);
}

TEST_CASE("input_line: Tab completes nicks case-insensitively and cycles through matches") {
    input_line in;
    const std::vector<std::string> names = {"bob", "Bobby", "carol"};
    in.insert_utf8("bo");
    CHECK(in.complete(names));
    CHECK(in.utf8() == "Bobby: ");  // sorted: "Bobby" < "bob" by code point
    CHECK(in.complete(names));
    CHECK(in.utf8() == "bob: ");
    CHECK(in.complete(names));
    CHECK(in.utf8() == "Bobby: ");
    in.insert_utf8("hi ca");
    CHECK(in.complete(names));
    CHECK(in.utf8() == "Bobby: hi carol ");
    CHECK(in.cursor() == in.text().size());
    in.insert_utf8("zz");
    CHECK_FALSE(in.complete(names));
    CHECK(in.utf8() == "Bobby: hi carol zz");
    in.insert(U' ');
    CHECK_FALSE(in.complete(names));  // nothing typed before the cursor
}
