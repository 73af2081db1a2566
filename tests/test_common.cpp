// Unit tests for common/: framing, UTF-8, frame decoding and the name/text rules.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "framing.hpp"
#include "protocol.hpp"
#include "utf8.hpp"

using namespace chat;

namespace {

std::vector<std::string> drain(line_splitter& s) {
    std::vector<std::string> out;
    std::string line;
    while (s.next(line) == line_splitter::status::line) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("framing: many frames in one read, CRLF and empty lines") {
    line_splitter s(100);
    s.feed("a\nbb\r\n\n\r\nccc\n");
    CHECK(drain(s) == std::vector<std::string>{"a", "bb", "ccc"});
}

TEST_CASE("framing: a frame split into single bytes is reassembled exactly") {
    line_splitter s(100);
    const std::string frame = "{\"type\":\"say\",\"text\":\"h\xc3\xa9\"}\n";
    std::vector<std::string> got;
    for (char c : frame) {
        s.feed(std::string_view(&c, 1));
        auto lines = drain(s);
        got.insert(got.end(), lines.begin(), lines.end());
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0] == frame.substr(0, frame.size() - 1));
}

TEST_CASE("framing: a line over the cap is reported, with or without its newline") {
    line_splitter s(8);
    s.feed("12345678\n");
    std::string line;
    CHECK(s.next(line) == line_splitter::status::line);
    s.feed("123456789\n");
    CHECK(s.next(line) == line_splitter::status::too_long);

    line_splitter t(8);
    t.feed(std::string(5, 'x'));
    CHECK(t.next(line) == line_splitter::status::need_more);
    t.feed(std::string(5, 'x'));
    CHECK(t.next(line) == line_splitter::status::too_long);
}

TEST_CASE("framing: buffered bytes stay bounded when lines are consumed") {
    line_splitter s(64);
    std::string line;
    for (int i = 0; i < 10000; ++i) {
        s.feed("hello world\nhel");
        while (s.next(line) == line_splitter::status::line) {}
        s.feed("lo\n");
        while (s.next(line) == line_splitter::status::line) {}
    }
    CHECK(s.buffered() == 0);
}

TEST_CASE("framing: releasing an idle buffer keeps a partial line") {
    line_splitter s(64);
    std::string line;
    s.feed("partial");
    s.release_if_empty();
    CHECK(s.buffered() == 7);
    s.feed(" line\nnext\n");
    REQUIRE(s.next(line) == line_splitter::status::line);
    CHECK(line == "partial line");
    REQUIRE(s.next(line) == line_splitter::status::line);
    CHECK(line == "next");
    s.release_if_empty();
    CHECK(s.buffered() == 0);
    s.feed("again\n");
    REQUIRE(s.next(line) == line_splitter::status::line);
    CHECK(line == "again");
}

TEST_CASE("utf8: validity") {
    CHECK(utf8::valid("plain"));
    CHECK(utf8::valid("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"));
    CHECK_FALSE(utf8::valid("hi\xaa"));
    CHECK_FALSE(utf8::valid("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(utf8::valid("\xed\xa0\x80"));      // surrogate U+D800
    CHECK_FALSE(utf8::valid("\xf4\x90\x80\x80"));  // past U+10FFFF
    CHECK_FALSE(utf8::valid("\xe4\xb8"));          // truncated
    CHECK(utf8::valid("\xef\xbf\xbd"));            // U+FFFD itself is fine
}

TEST_CASE("utf8: display width of wide and combining characters") {
    CHECK(utf8::display_width("abc") == 3);
    CHECK(utf8::display_width("\xe4\xb8\xad\xe6\x96\x87") == 4);  // 中文
    CHECK(utf8::display_width("\xf0\x9f\x98\x80") == 2);          // 😀
    CHECK(utf8::display_width("e\xcc\x81") == 1);                  // e + combining acute
}

TEST_CASE("utf8: sanitize leaves no control, C1 or bidi character") {
    CHECK(utf8::sanitize("a\x1b[2Jb") == "a^[[2Jb");
    CHECK(utf8::sanitize("hi\r<admin> x") == "hi^M<admin> x");
    CHECK(utf8::sanitize("a\bb\nc") == "a^Hb^Jc");
    CHECK(utf8::sanitize("\xc2\x9b" "2J") == "<U+009B>2J");
    CHECK(utf8::sanitize("adm\xe2\x80\xaenim") == "adm<U+202E>nim");
    CHECK(utf8::sanitize("bad\xff") == "bad\xef\xbf\xbd");
    std::string zalgo = "e";
    for (int i = 0; i < 1000; ++i) zalgo += "\xcc\x81";
    CHECK(utf8::sanitize(zalgo).size() < 20);
}

TEST_CASE("utf8: a zero-width joiner stays inside a sequence and shows as a marker alone") {
    const std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";  // man ZWJ woman ZWJ girl
    CHECK(utf8::sanitize(family) == family);
    CHECK(utf8::sanitize("a " + family + " b") == "a " + family + " b");
    const std::string heart_on_fire = "\u2764\uFE0F\u200D\U0001F525";  // heart, emoji selector, ZWJ, fire
    CHECK(utf8::sanitize(heart_on_fire) == heart_on_fire);
    const std::string conjunct = "\u0915\u094D\u200D\u0937";  // ka, virama, ZWJ, ssa (Devanagari)
    CHECK(utf8::sanitize(conjunct) == conjunct);
    // Not between two visible characters: it only hides, so it is shown.
    CHECK(utf8::sanitize("\u200D") == "<U+200D>");
    CHECK(utf8::sanitize("\u200Dx") == "<U+200D>x");
    CHECK(utf8::sanitize("x\u200D") == "x<U+200D>");
    CHECK(utf8::sanitize("lone \u200D zwj") == "lone <U+200D> zwj");
    CHECK(utf8::sanitize("x\u200D\u200Dy") == "x<U+200D><U+200D>y");
    CHECK(utf8::sanitize("x\u200D\u202Ey") == "x<U+200D><U+202E>y");
    CHECK(utf8::sanitize("\x1b\u200Dx") == "^[<U+200D>x");
    // Never dropped, whatever the combining marks around it.
    std::string marks = "e";
    for (int i = 0; i < 10; ++i) marks += "\xcc\x81";
    CHECK(utf8::sanitize(marks + "\u200D\U0001F525").find("\u200D") != std::string::npos);
}

TEST_CASE("decode: good frame") {
    auto r = decode(R"({"type":"say","room":"#lobby","text":"hi"})", 8);
    REQUIRE(r);
    CHECK(r.value->type == "say");
    wire_error e;
    CHECK(get_string(r.value->body, "room", e) == "#lobby");
}

TEST_CASE("decode: every bad shape gets its error code") {
    struct bad_case {
        std::string line;
        std::string code;
    };
    const std::vector<bad_case> cases = {
        {R"({"type":)", "bad_json"},
        {"not json at all", "bad_json"},
        {R"({"type":"say"} trailing)", "bad_json"},
        {R"({"type":"say","text":"\ud800"})", "bad_json"},
        {"{\"type\":\"say\",\"text\":\"hi\xaa\"}", "bad_utf8"},
        {"[]", "bad_frame"},
        {"42", "bad_frame"},
        {R"("type")", "bad_frame"},
        {"null", "bad_frame"},
        {R"({"text":"no type"})", "bad_frame"},
        {R"({"type":5})", "bad_frame"},
        {R"({"type":null})", "bad_frame"},
        {R"({"type":"say","room":1E400})", "bad_value"},
        {R"({"type":"say","x":[[[[[[[[[[1]]]]]]]]]]})", "too_deep"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.line);
        auto r = decode(c.line, 8);
        CHECK_FALSE(r);
        CHECK(r.error.code == c.code);
        CHECK_FALSE(r.error.message.empty());
    }
}

TEST_CASE("decode: 100000 levels of nesting are refused without building anything") {
    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    auto r = decode(deep, 8);
    CHECK_FALSE(r);
    CHECK(r.error.code == "too_deep");
    // Brackets inside strings do not count.
    CHECK(nesting_depth(R"({"type":"say","text":"[[[[[[[[[[[[[[[[[["})", 8) == 1);
}

TEST_CASE("fields: wrong types and missing fields name the field") {
    auto r = decode(R"({"type":"say","room":5,"since":1.5,"action":"yes","big":18446744073709551615})", 8);
    REQUIRE(r);
    wire_error e;
    CHECK_FALSE(get_string(r.value->body, "room", e));
    CHECK(e.message.find("room") != std::string::npos);
    CHECK_FALSE(get_string(r.value->body, "text", e));
    CHECK(e.message.find("missing") != std::string::npos);
    std::optional<std::int64_t> since;
    CHECK_FALSE(optional_int(r.value->body, "since", since, e));
    CHECK_FALSE(get_int(r.value->body, "big", e));
    bool action = false;
    CHECK_FALSE(optional_bool(r.value->body, "action", action, e));
    std::string absent = "keep";
    CHECK(optional_string(r.value->body, "absent", absent, e));
    CHECK(absent == "keep");
}

TEST_CASE("nick rules") {
    limits lim;
    CHECK_FALSE(check_nick("alice", lim));
    CHECK_FALSE(check_nick("a_b-c.d9", lim));
    for (const char* bad : {"", "*", "a b", "-x", ".x", "Server", "SYSTEM", "\xd0\xb5van", "adm\xe2\x80\xaenim",
                            "tab\t", "seventeen_chars_x"}) {
        CAPTURE(bad);
        auto e = check_nick(bad, lim);
        REQUIRE(e);
        CHECK(e->code == "invalid_nick");
    }
    CHECK(fold("AlIcE") == "alice");
}

TEST_CASE("room, text and topic rules") {
    limits lim;
    CHECK_FALSE(check_room("#lobby", lim));
    CHECK(check_room("lobby", lim)->code == "invalid_room");
    CHECK(check_room("#", lim)->code == "invalid_room");
    CHECK(check_room("#a b", lim)->code == "invalid_room");
    CHECK(check_room("#" + std::string(33, 'a'), lim)->code == "invalid_room");

    CHECK_FALSE(check_text("hi \xf0\x9f\x91\x8b\tthere", lim));
    CHECK(check_text("", lim)->code == "empty_text");
    CHECK(check_text(std::string(4097, 'a'), lim)->code == "text_too_long");
    CHECK_FALSE(check_text(std::string(4096, 'a'), lim));
    CHECK(check_text("a\x1b[2J", lim)->code == "bad_text");
    // Feature multiline: line breaks are text, up to max_lines lines; a carriage return is not.
    CHECK_FALSE(check_text("a\nb", lim));
    CHECK(check_text("a\r\nb", lim)->code == "bad_text");
    std::string fifty;
    for (int i = 0; i < 50; ++i) fifty += (i ? "\n" : "") + std::to_string(i);
    CHECK_FALSE(check_text(fifty, lim));
    CHECK(check_text(fifty + "\n", lim)->code == "too_many_lines");
    chat::limits two = lim;
    two.max_lines = 2;
    CHECK_FALSE(check_text("a\nb", two));
    CHECK(check_text("a\nb\nc", two)->code == "too_many_lines");
    CHECK(check_text("a\xc2\x9b", lim)->code == "bad_text");

    CHECK_FALSE(check_topic("", lim));
    CHECK_FALSE(check_topic("rust \xf0\x9f\xa6\x80", lim));
    CHECK(check_topic("x\xe2\x80\xaey", lim)->code == "bad_topic");
    CHECK(check_topic(std::string(257, 'a'), lim)->code == "topic_too_long");
}

TEST_CASE("encode never throws on invalid UTF-8") {
    json j = {{"type", "message"}, {"text", std::string("bad\xff")}};
    std::string line;
    CHECK_NOTHROW(line = encode(j));
    CHECK(line.back() == '\n');
    CHECK(utf8::valid(line));
}
