// The say/pm fast path: what it takes, what it leaves to the full decoder, and that a dispatcher
// answers a frame taken by it exactly as one decoded the slow way.
#include <doctest/doctest.h>

#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ascii_scan.hpp"
#include "dispatcher.hpp"
#include "fast_frame.hpp"
#include "protocol.hpp"

namespace {

using chat::fast_frame;
using chat::json;

// Whenever the fast path takes a line, the full decoder agrees on every field the dispatcher reads.
// Compares the fast path with decode() on `line`; false (nothing compared) when the fast path
// declines the line, which is always allowed.
bool check_agrees(std::string_view line) {
    fast_frame fast;
    fast.action = true;
    fast.room = fast.to = fast.text = "stale";
    if (!chat::fast_decode(line, fast)) return false;
    auto slow = chat::decode(line, 8);
    REQUIRE_MESSAGE(slow, "fast path took a line decode() refuses: " << line);
    const bool is_say = fast.type == fast_frame::kind::say;
    CHECK(slow.value->type == (is_say ? "say" : "pm"));
    chat::wire_error err;
    const auto target = chat::get_string(slow.value->body, is_say ? "room" : "to", err);
    REQUIRE(target);
    CHECK(*target == (is_say ? fast.room : fast.to));
    const auto text = chat::get_string(slow.value->body, "text", err);
    REQUIRE(text);
    CHECK(*text == fast.text);
    bool action = false;
    CHECK(chat::optional_bool(slow.value->body, "action", action, err));
    CHECK(action == fast.action);
    return true;
}

const std::vector<std::string> taken = {
    R"({"type":"say","room":"#lobby","text":"hello"})",
    R"({"type":"say","room":"#lobby","text":"waves","action":true})",
    R"(  {"text" : "a\"b\\c\/d\b\f\n\r\t", "room":"#x", "type":"say", "n":-12, "z":null, "f":false}  )",
    R"({"type":"say","room":"#x","text":"\u00e9\u20AC\u0041\u0000 \u007f"})",
    R"({"type":"pm","to":"bob","text":"psst","action":false,"room":7})",
    "{\"type\":\"say\",\"room\":\"#x\",\"text\":\"caf\xc3\xa9 \xf0\x9f\x91\x8b\"}",
    R"({"type":"s\u0061y","room":"#x","text":"escaped type"})",
    R"({"type":"say","room":"#x","text":"","x":"y"})",
    R"({"type":"pm","to":"","text":"\u202e"})",
};

const std::vector<std::string> left_to_decode = {
    R"({"type":"say","room":"#x","text":"a","text":"b"})",        // repeated field
    R"({"type":"say","type":"pm","to":"b","room":"#x","text":"a"})",
    R"({"type":"say","room":"#x","text":"\ud83d\ude00"})",         // surrogate pair
    R"({"type":"say","room":"#x","text":"\ud800"})",               // lone surrogate
    R"({"type":"say","room":"#x","text":"a","meta":{}})",          // nesting
    R"({"type":"say","room":"#x","text":"a","n":[1]})",
    R"({"type":"say","room":"#x","text":"a","n":1.5})",            // not a plain integer
    R"({"type":"say","room":"#x","text":"a","n":1e3})",
    R"({"type":"say","room":"#x","text":"a","n":1E400})",
    R"({"type":"say","room":"#x","text":"a","n":0123})",
    R"({"type":"say","room":"#x","text":"a","n":1234567890123456789})",
    R"({"type":"say","room":"#x","text":"a","n":-})",
    R"({"type":"say","room":"#x","text":"a","action":1})",         // wrong types
    R"({"type":"say","room":"#x","text":"a","action":null})",
    R"({"type":"say","room":5,"text":"a"})",
    R"({"type":"say","room":"#x","text":true})",
    R"({"type":"say","text":"a"})",                                // missing fields
    R"({"type":"pm","room":"#x","text":"a"})",
    R"({"type":"hello","version":1,"nick":"a"})",                  // other types
    R"({"type":7,"room":"#x","text":"a"})",
    R"({"room":"#x","text":"a"})",
    R"({"t\u0079pe":"say","room":"#x","text":"a"})",               // escaped key
    R"({"type":"say","room":"#x","text":"a\q"})",                  // bad escape
    R"({"type":"say","room":"#x","text":"a\u12"})",
    "{\"type\":\"say\",\"room\":\"#x\",\"text\":\"a\tb\"}",        // raw control character
    "{\"type\":\"say\",\"room\":\"#x\",\"text\":\"\xff\"}",        // invalid UTF-8
    "\xef\xbb\xbf{\"type\":\"say\",\"room\":\"#x\",\"text\":\"a\"}",  // byte order mark
    R"({"type":"say","room":"#x","text":"a",})",                   // syntax
    R"({"type":"say","room":"#x","text":"a"} x)",
    R"({"type":"say","room":"#x","text":"a")",
    R"({"type":"say""room":"#x","text":"a"})",
    R"({"type":"say","room":"#x","text":"a","b":tru})",
    R"([{"type":"say","room":"#x","text":"a"}])",
    R"({})",
    "",
};

}  // namespace

TEST_CASE("fast_decode reads plain say and pm frames as decode() does") {
    fast_frame f;
    REQUIRE(chat::fast_decode(taken[0], f));
    CHECK(f.type == fast_frame::kind::say);
    CHECK(f.room == "#lobby");
    CHECK(f.text == "hello");
    CHECK_FALSE(f.action);
    REQUIRE(chat::fast_decode(taken[1], f));
    CHECK(f.action);
    REQUIRE(chat::fast_decode(taken[2], f));
    CHECK(f.text == "a\"b\\c/d\b\f\n\r\t");
    CHECK_FALSE(f.action);  // not carried over from the frame before
    REQUIRE(chat::fast_decode(taken[3], f));
    CHECK(f.text == std::string("\xc3\xa9\xe2\x82\xac" "A") + '\0' + " \x7f");
    REQUIRE(chat::fast_decode(taken[4], f));
    CHECK(f.type == fast_frame::kind::pm);
    CHECK(f.to == "bob");
    for (const auto& line : taken) {
        CAPTURE(line);
        CHECK(chat::fast_decode(line, f));
        CHECK(check_agrees(line));
    }
}

TEST_CASE("fast_decode leaves anything unusual to decode()") {
    fast_frame f;
    for (const auto& line : left_to_decode) {
        CAPTURE(line);
        CHECK_FALSE(chat::fast_decode(line, f));
    }
}

TEST_CASE("fast_decode agrees with decode() on every prefix and one-byte change of the samples") {
    std::size_t tried = 0;
    std::size_t compared = 0;
    for (const auto& sample : taken) {
        for (std::size_t n = 0; n <= sample.size(); ++n) {
            ++tried;
            compared += check_agrees(std::string_view(sample).substr(0, n)) ? 1 : 0;
        }
        for (std::size_t i = 0; i < sample.size(); ++i) {
            for (const char c : std::string_view("\"\\{}[],:0-. tnu\x01\xc3")) {
                std::string changed = sample;
                changed[i] = c;
                ++tried;
                compared += check_agrees(changed) ? 1 : 0;
            }
        }
    }
    // The fast path may decline any line, but a test where it declined them all compared nothing:
    // every whole sample is taken, and so are many of the changed ones (COMPARED_FLOOR of TRIED).
    MESSAGE("compared " << compared << " of " << tried << " lines");
    CHECK(compared >= taken.size());
}

namespace {

// A peer that keeps every frame it is sent, without its timestamp.
class recording_peer : public chat::participant {
public:
    void put(const chat::line_ptr& line) override {
        json j = json::parse(*line);
        j.erase("ts");
        frames.push_back(j.dump());
    }
    void close_after_flush(std::string_view) override { closed = true; }
    std::vector<std::string> frames;
    bool closed = false;
};

// Two peers registered on `d`, alice also in #x.
struct pair_of_peers {
    explicit pair_of_peers(chat::dispatcher& d) {
        const auto now = chat::dispatcher::clock::now();
        d.on_line(alice, R"({"type":"hello","version":1,"nick":"alice"})", now);
        d.on_line(bob, R"({"type":"hello","version":1,"nick":"bob"})", now);
        d.on_line(alice, R"({"type":"join","room":"#x"})", now);
        alice.frames.clear();
        bob.frames.clear();
    }
    recording_peer alice;
    recording_peer bob;
};

}  // namespace

TEST_CASE("a frame taken by the fast path gets the same answers as the same frame decoded in full") {
    chat::limits lim;
    lim.rate = 0;
    lim.max_text = 8;
    chat::dispatcher fast_d(lim, "feedc0de");
    chat::dispatcher slow_d(lim, "feedc0de");
    pair_of_peers fast_p(fast_d);
    pair_of_peers slow_p(slow_d);
    const std::vector<std::string> lines = {
        R"({"type":"say","room":"#x","text":"hi"})",
        R"({"type":"say","room":"#X","text":"emote","action":true})",
        R"({"type":"say","room":"#lobby","text":"\u00e9\"\\"})",
        R"({"type":"say","room":"#nowhere","text":"hi"})",      // not_in_room
        R"({"type":"say","room":"#x","text":""})",              // empty_text
        R"({"type":"say","room":"#x","text":"123456789"})",     // text_too_long
        R"({"type":"say","room":"#x","text":"a\nb"})",          // bad_text
        R"({"type":"pm","to":"BOB","text":"psst"})",
        R"({"type":"pm","to":"alice","text":"me"})",
        R"({"type":"pm","to":"carol","text":"who"})",           // no_such_nick
        R"({"type":"pm","to":"bob","text":"\u0085"})",          // bad_text (C1)
    };
    const auto now = chat::dispatcher::clock::now();
    fast_frame probe;
    for (const auto& line : lines) {
        CAPTURE(line);
        REQUIRE(chat::fast_decode(line, probe));
        fast_d.on_line(fast_p.alice, line, now);
        auto r = chat::decode(line, 8);
        REQUIRE(r);
        slow_d.handle(slow_p.alice, *r.value, now);
    }
    CHECK(fast_p.alice.frames.size() == lines.size());  // one answer each
    CHECK(fast_p.bob.frames.size() == 2);               // the #lobby message and the pm
    CHECK(fast_p.alice.frames == slow_p.alice.frames);
    CHECK(fast_p.bob.frames == slow_p.bob.frames);
    CHECK(fast_d.last_id() == slow_d.last_id());
}

TEST_CASE("the fast path still takes a token and still resets the strike count") {
    chat::limits lim;
    lim.rate = 1;
    lim.burst = 2;  // one is spent on joining #x
    lim.max_errors = 3;
    chat::dispatcher d(lim, "feedc0de");
    pair_of_peers p(d);
    const auto now = chat::dispatcher::clock::now();
    d.on_line(p.alice, R"({"type":"say","room":"#x","text":"one"})", now);
    d.on_line(p.alice, R"({"type":"say","room":"#x","text":"two"})", now);
    REQUIRE(p.alice.frames.size() == 2);
    CHECK(json::parse(p.alice.frames[0])["type"] == "message");
    CHECK(json::parse(p.alice.frames[1])["code"] == "rate_limited");
    CHECK(json::parse(p.alice.frames[1])["about"] == "say");

    // Two strikes, a good frame through the fast path, two strikes: never three in a row.
    d.on_line(p.bob, "not json", now);
    d.on_line(p.bob, "not json", now);
    d.on_line(p.bob, R"({"type":"pm","to":"alice","text":"hi"})", now);
    d.on_line(p.bob, "not json", now);
    d.on_line(p.bob, "not json", now);
    CHECK_FALSE(p.bob.closed);
    d.on_line(p.bob, "not json", now);
    CHECK(p.bob.closed);
}

TEST_CASE("the word-at-a-time scans stop where a byte-by-byte scan would") {
    // Reference predicates, one byte at a time: the scans may stop early (at a word boundary before
    // the byte), never late.
    const auto json_plain = [](unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; };
    const auto unescaped = [](unsigned char c) { return c >= 0x20 && c != '"' && c != '\\'; };
    const auto printable = [](unsigned char c) { return c >= 0x20 && c < 0x7F; };
    const auto first_stop = [](std::string_view s, auto ok) {
        std::size_t i = 0;
        while (i < s.size() && ok(static_cast<unsigned char>(s[i]))) ++i;
        return i;
    };
    std::mt19937 gen(7);
    const std::string specials = std::string("\"\\\x1f\x7f\x80\xff\t ~!") + '\0';
    for (int round = 0; round < 20000; ++round) {
        std::string s(gen() % 40, 'a');
        for (char& c : s) c = static_cast<char>(0x20 + gen() % 0x5F);
        const int changes = static_cast<int>(gen() % 3);
        for (int k = 0; k < changes && !s.empty(); ++k) s[gen() % s.size()] = specials[gen() % specials.size()];
        CAPTURE(s);
        const std::size_t a = chat::ascii::json_plain_prefix(s);
        const std::size_t b = chat::ascii::json_unescaped_prefix(s);
        const std::size_t c = chat::ascii::printable_prefix(s);
        const std::size_t ra = first_stop(s, json_plain);
        const std::size_t rb = first_stop(s, unescaped);
        const std::size_t rc = first_stop(s, printable);
        CHECK(a <= ra);
        CHECK(b <= rb);
        CHECK(c <= rc);
        CHECK(ra - a < 8);  // whole clean words are always taken
        CHECK(rb - b < 8);
        CHECK(rc - c < 8);
        CHECK(a % 8 == 0);
    }
}
