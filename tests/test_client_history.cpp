// The client's reach into stored history: PgUp at the top of a window asks for the page above it,
// the answer goes above what the window holds, the real beginning shows "start of history", and
// /search shows what the server found.
#include <doctest/doctest.h>

#include <string>

#include "commands.hpp"
#include "protocol.hpp"
#include "support/model_feed.hpp"
#include "update.hpp"
#include "windows.hpp"

using namespace chat::client;
using chat::client::testing::feed;

namespace {

std::string stored(int id, const std::string& text) {
    return R"({"type":"message","id":)" + std::to_string(id) + R"(,"room":"#lobby","from":"bob","ts":1764079200000,"text":")" +
           text + R"(","action":false,"history":true})";
}

// Online as alice in #lobby, on a server that pages history when `pages` is set.
model online(bool pages) {
    model m;
    m.wanted_nick = "alice";
    net_event up;
    up.what = net_event::kind::connected;
    effects fx;
    on_event(m, up, fx);
    feed(m, std::string(R"({"type":"welcome","version":1,"nick":"alice","server":"chatd 1.0.0","instance":"i1",)") +
                R"("default_room":"#lobby","limits":{"rate":5,"burst":10})" +
                (pages ? R"(,"features":["history_pages","search"]})" : "}"));
    feed(m, R"({"type":"joined","room":"#lobby","topic":"","members":["bob","alice"],"history":2})");
    feed(m, stored(50, "fifty"));
    feed(m, stored(51, "fifty-one"));
    return m;
}

effects page_up(model& m) {
    effects fx;
    bool redraw = false;
    key k;
    k.what = key::type::page_up;
    on_key(m, k, 20, 80, fx, redraw);
    return fx;
}

std::vector<std::string> texts(const window& w) {
    std::vector<std::string> out;
    for (const auto& l : w.lines) out.push_back(l.text);
    return out;
}

}  // namespace

TEST_CASE("history pages: PgUp at the top asks for the page before the oldest line, once at a time") {
    model m = online(true);
    auto fx = page_up(m);
    REQUIRE(fx.frames.size() == 1);
    const auto ask = chat::json::parse(fx.frames[0]);
    CHECK(ask["type"] == "history");
    CHECK(ask["room"] == "#lobby");
    CHECK(ask["before"] == 50);
    CHECK(page_up(m).frames.empty());  // one request in flight

    feed(m, R"({"type":"history","room":"#lobby","before":50,"messages":[)" + stored(48, "forty-eight") + "," +
                stored(49, "forty-nine") + "," + stored(50, "fifty again") + R"(],"complete":false})");
    window& w = current_window(m);
    const auto t = texts(w);
    REQUIRE(t.size() >= 4);
    CHECK(t[0] == "forty-eight");
    CHECK(t[1] == "forty-nine");
    CHECK(std::count(t.begin(), t.end(), "fifty again") == 0);  // already held: not twice
    CHECK(w.lines[0].history);

    // The next PgUp goes on from the new oldest line; the real beginning says so and stops asking.
    fx = page_up(m);
    REQUIRE(fx.frames.size() == 1);
    CHECK(chat::json::parse(fx.frames[0])["before"] == 48);
    feed(m, R"({"type":"history","room":"#lobby","before":48,"messages":[)" + stored(7, "seven") + R"(],"complete":true})");
    CHECK(w.lines[0].text == "start of history");
    CHECK(w.lines[1].text == "seven");
    CHECK(page_up(m).frames.empty());
}

TEST_CASE("history pages: a server without the feature is never asked") {
    model m = online(false);
    CHECK(page_up(m).frames.empty());
}

TEST_CASE("history pages: an empty private conversation asks for its newest page") {
    model m = online(true);
    effects fx;
    on_submit(m, "/query bob", fx);
    fx = page_up(m);
    REQUIRE(fx.frames.size() == 1);
    const auto ask = chat::json::parse(fx.frames[0]);
    CHECK(ask["nick"] == "bob");
    CHECK_FALSE(ask.contains("before"));
    feed(m, R"({"type":"history","nick":"bob","before":99,"messages":[{"type":"pm","id":9,"from":"bob","to":"alice",)"
            R"("ts":1764079200000,"text":"from yesterday","action":false,"history":true}],"complete":true})");
    window& w = current_window(m);
    REQUIRE(w.lines.size() >= 2);
    CHECK(w.lines[0].text == "start of history");
    CHECK(w.lines[1].text == "from yesterday");
    CHECK(w.lines[1].what == chat_line::kind::pm);
}

TEST_CASE("/search: words and an optional room go to the server; results show with room, time and id") {
    auto c = parse_command("/search zebra crossing #Rust");
    CHECK(c.what == command::kind::search);
    CHECK(c.text == "zebra crossing");
    CHECK(c.target == "#Rust");
    CHECK(parse_command("/search").what == command::kind::error);
    CHECK(parse_command("/search #rust").what == command::kind::error);

    model m = online(true);
    effects fx;
    on_submit(m, "/search zebra", fx);
    REQUIRE(fx.frames.size() == 1);
    const auto ask = chat::json::parse(fx.frames[0]);
    CHECK(ask["type"] == "search");
    CHECK(ask["words"] == "zebra");
    CHECK_FALSE(ask.contains("room"));
    feed(m, R"({"type":"search","words":"zebra","results":[{"type":"message","id":77,"room":"#rust","from":"bob",)"
            R"("ts":1764079200000,"text":"a zebra","action":false,"history":true}]})");
    const auto t = texts(current_window(m));
    REQUIRE(t.size() >= 2);
    CHECK(t[t.size() - 2] == "search \"zebra\": 1 message, newest first");
    CHECK(t.back().find("#rust") != std::string::npos);
    CHECK(t.back().find("<bob> a zebra") != std::string::npos);
    CHECK(t.back().find("(id 77)") != std::string::npos);

    model old = online(false);
    fx = {};
    on_submit(old, "/search zebra", fx);
    CHECK(fx.frames.empty());
    CHECK(texts(current_window(old)).back() == "this server cannot search its history");
}
