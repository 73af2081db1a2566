// The client's update logic driven by events and typed lines, without a terminal or a socket.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <string>

#include "format.hpp"
#include "protocol.hpp"
#include "keys.hpp"
#include "layout.hpp"
#include "support/model_feed.hpp"
#include "update.hpp"
#include "windows.hpp"

using namespace chat::client;
using chat::client::testing::feed;
using chat::client::testing::frame;

namespace {

net_event state(net_event::kind k, std::string text = {}, std::int64_t number = 0) {
    net_event ev;
    ev.what = k;
    ev.text = std::move(text);
    ev.number = number;
    return ev;
}

effects type(model& m, const std::string& line) {
    effects fx;
    on_submit(m, line, fx);
    return fx;
}

bool type_ok(model& m, const std::string& line) {
    effects fx;
    return on_submit(m, line, fx);
}

std::string msg(int id, const std::string& room, const std::string& from, const std::string& text, bool history = false) {
    return R"({"type":"message","id":)" + std::to_string(id) + R"(,"room":")" + room + R"(","from":")" + from +
           R"(","ts":1764079200000,"text":")" + text + R"(","action":false,"history":)" + (history ? "true" : "false") + "}";
}

std::string welcome(const std::string& nick, const std::string& instance) {
    return R"({"type":"welcome","version":1,"nick":")" + nick + R"(","server":"chatd 1.0.0","instance":")" + instance +
           R"(","default_room":"#lobby","limits":{"max_nick":16,"max_text":4096,"rate":5,"burst":10}})";
}

// A model that has connected as alice and sits in #lobby with bob.
model online() {
    model m;
    m.wanted_nick = "alice";
    auto fx = feed(m, state(net_event::kind::connected));
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find(R"("type":"hello")") != std::string::npos);
    CHECK(fx.frames[0].find(R"("nick":"alice")") != std::string::npos);
    feed(m, welcome("alice", "inst-1"));
    feed(m, R"({"type":"joined","room":"#lobby","topic":"","members":["bob","alice"]})");
    return m;
}

std::vector<std::string> texts(const window& w, chat_line::kind k) {
    std::vector<std::string> out;
    for (const auto& l : w.lines) {
        if (l.what == k) out.push_back(l.text);
    }
    return out;
}

}  // namespace

TEST_CASE("model: welcome and joined make #lobby the current window") {
    model m = online();
    CHECK(m.state == conn_state::online);
    CHECK(m.nick == "alice");
    CHECK(m.server == "chatd 1.0.0");
    REQUIRE(m.windows.size() == 1);
    CHECK(current_window(m).name == "#lobby");
    CHECK(current_window(m).members.size() == 2);
}

TEST_CASE("model: a room joined while the server's store fails says its history is not being kept") {
    model m = online();
    CHECK(texts(current_window(m), chat_line::kind::error).empty());  // "store" absent: nothing to say
    feed(m, R"({"type":"joined","room":"#ops","topic":"","members":["alice"],"history":0,"store":"disk"})");
    REQUIRE(find_window(m, "#ops"));
    CHECK(texts(m.windows[*find_window(m, "#ops")], chat_line::kind::error).empty());
    feed(m, R"({"type":"joined","room":"#dev","topic":"","members":["alice"],"history":0,"store":"failing"})");
    REQUIRE(find_window(m, "#dev"));
    const auto errors = texts(m.windows[*find_window(m, "#dev")], chat_line::kind::error);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("cannot write its history to disk") != std::string::npos);
    CHECK(errors[0].find("#dev") != std::string::npos);
}

TEST_CASE("model: history comes first, live messages after, duplicates by id are dropped") {
    model m = online();
    feed(m, msg(5, "#lobby", "bob", "old one", true));
    feed(m, msg(6, "#lobby", "bob", "old two", true));
    feed(m, msg(7, "#lobby", "bob", "live"));
    feed(m, msg(6, "#lobby", "bob", "old two", true));  // replayed again
    feed(m, msg(7, "#lobby", "bob", "live"));
    const auto said = texts(current_window(m), chat_line::kind::message);
    REQUIRE(said.size() == 3);
    CHECK(said[0] == "old one");
    CHECK(said[1] == "old two");
    CHECK(said[2] == "live");
    CHECK(current_window(m).lines.back().history == false);
    CHECK(current_window(m).max_id == 7);
}

TEST_CASE("model: network text is sanitised before it is stored") {
    model m = online();
    feed(m, msg(1, "#lobby", "bob", R"(hi\r<admin> give pw \u001b[2J \u202e)"));
    const std::string& t = current_window(m).lines.back().text;
    CHECK(t.find('\r') == std::string::npos);
    CHECK(t.find('\x1b') == std::string::npos);
    CHECK(t.find("<U+202E>") != std::string::npos);
    CHECK(t.find("^M") != std::string::npos);
}

TEST_CASE("model: typing sends to the current room; /join switches at once") {
    model m = online();
    auto fx = type(m, "hello 世界");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", "hello 世界"}, {"action", false}}));
    fx = type(m, "/join rust");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "join"}, {"room", "#rust"}}));
    CHECK(current_window(m).name == "#rust");
    CHECK(current_window(m).joining);
    CHECK(texts(current_window(m), chat_line::kind::info).back() == "joining #rust...");
    feed(m, R"({"type":"joined","room":"#rust","topic":"borrowck","members":["alice"]})");
    CHECK(current_window(m).name == "#rust");
    CHECK_FALSE(current_window(m).joining);
    CHECK(current_window(m).topic == "borrowck");
    CHECK(texts(current_window(m), chat_line::kind::notice).back().rfind("you joined #rust", 0) == 0);
    // The answer took the place of "joining #rust...": one join, one line.
    CHECK(texts(current_window(m), chat_line::kind::info).empty());
    CHECK(current_window(m).lines.size() == 1);
    SUBCASE("line mode prints the answer, though the line it replaced was never printed") {
        model lm = online();
        lm.line_mode = true;
        lm.printed.clear();
        type(lm, "/join rust");
        CHECK(lm.printed.empty());
        feed(lm, R"({"type":"joined","room":"#rust","topic":"","members":["alice"]})");
        REQUIRE(lm.printed.size() == 1);
        CHECK(lm.printed[0].window == "#rust");
        CHECK(lm.printed[0].line.text.rfind("you joined #rust", 0) == 0);
    }
    fx = type(m, "/me waves");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "say"}, {"room", "#rust"}, {"text", "waves"}, {"action", true}}));
}

TEST_CASE("model: a line typed right after /join waits for the room and goes there") {
    model m = online();
    type(m, "/join #rust");
    auto fx = type(m, "first in rust");
    CHECK(fx.frames.empty());  // not to #lobby, and not before the server confirms
    REQUIRE(m.pending.size() == 1);
    const auto waiting = texts(current_window(m), chat_line::kind::pending);
    REQUIRE(waiting.size() == 1);
    CHECK(waiting[0] == "first in rust");
    fx = type(m, "/me second");
    CHECK(fx.frames.empty());
    // Something from another room meanwhile does not let them out early.
    feed(m, msg(3, "#lobby", "bob", "unrelated"));
    fx = feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice","bob"]})");
    REQUIRE(fx.frames.size() == 2);
    CHECK(fx.frames[0] == chat::encode({{"type", "say"}, {"room", "#rust"}, {"text", "first in rust"}, {"action", false}}));
    CHECK(fx.frames[1] == chat::encode({{"type", "say"}, {"room", "#rust"}, {"text", "second"}, {"action", true}}));
    CHECK(m.pending.empty());
    CHECK(texts(current_window(m), chat_line::kind::pending).empty());
    // Once joined, lines go straight out.
    fx = type(m, "third");
    REQUIRE(fx.frames.size() == 1);
}

TEST_CASE("model: a refused join shows why, and the lines waiting for it are not sent") {
    model m = online();
    type(m, "/join #full");
    type(m, "anyone?");
    REQUIRE(m.pending.size() == 1);
    auto fx = feed(m, R"({"type":"error","code":"too_many_rooms","message":"you are in too many rooms","about":"join","room":"#full"})");
    CHECK(fx.frames.empty());
    CHECK(m.pending.empty());
    const window& w = current_window(m);
    CHECK(w.name == "#full");
    CHECK_FALSE(w.joining);
    CHECK(texts(w, chat_line::kind::unsent) == std::vector<std::string>{"anyone?"});
    REQUIRE(!texts(w, chat_line::kind::error).empty());
    CHECK(texts(w, chat_line::kind::error).back().find("you are in too many rooms") != std::string::npos);
    // Other windows are not held back by it.
    type(m, "/win 1");
    fx = type(m, "in the lobby");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find(R"("room":"#lobby")") != std::string::npos);
    // Nothing to rejoin after a reconnect; /part just closes the window.
    feed(m, state(net_event::kind::disconnected, "reset"));
    feed(m, state(net_event::kind::connected));
    fx = feed(m, welcome("alice", "inst-1"));
    for (const auto& f : fx.frames) CHECK(f.find("#full") == std::string::npos);
    type(m, "/win #full");
    REQUIRE(current_window(m).name == "#full");
    fx = type(m, "/part");
    CHECK(fx.frames.empty());
    CHECK_FALSE(find_window(m, "#full"));
}

TEST_CASE("model: unread counts for other windows, cleared by switching") {
    model m = online();
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice","bob"]})");
    CHECK(current_window(m).name == "#lobby");  // the server's own join does not switch
    feed(m, msg(1, "#rust", "bob", "one"));
    feed(m, msg(2, "#rust", "bob", "alice: two"));
    REQUIRE(m.windows.size() == 2);
    CHECK(m.windows[1].unread == 2);
    CHECK(m.windows[1].mentioned);
    next_window(m, 1);
    CHECK(current_window(m).name == "#rust");
    CHECK(m.windows[1].unread == 0);
    next_window(m, 1);
    CHECK(current_window(m).name == "#lobby");
    type(m, "/switch rust");
    CHECK(current_window(m).name == "#rust");
    type(m, "/win 1");
    CHECK(current_window(m).name == "#lobby");
}

TEST_CASE("model: private messages open a conversation window and show in the room too") {
    model m = online();
    feed(m, R"({"type":"pm","id":9,"from":"bob","to":"alice","ts":1,"text":"psst","action":false})");
    REQUIRE(m.windows.size() == 2);
    CHECK(m.windows[1].name == "bob");
    CHECK(m.windows[1].query);
    CHECK(m.windows[1].unread == 1);
    CHECK(texts(m.windows[0], chat_line::kind::pm).size() == 1);
    switch_to(m, 1);
    auto fx = type(m, "hi back");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "pm"}, {"to", "bob"}, {"text", "hi back"}, {"action", false}}));
    feed(m, R"({"type":"pm","id":10,"from":"alice","to":"bob","ts":2,"text":"hi back","action":false})");
    feed(m, R"({"type":"pm","id":10,"from":"alice","to":"bob","ts":2,"text":"hi back","action":false})");
    CHECK(texts(m.windows[1], chat_line::kind::pm).size() == 2);
}

TEST_CASE("model: notices for joins, parts, quits, nick and topic changes") {
    model m = online();
    feed(m, R"({"type":"join","room":"#lobby","nick":"carol","ts":1})");
    CHECK(current_window(m).members.size() == 3);
    feed(m, R"({"type":"nick","old":"carol","new":"caroline","ts":2})");
    feed(m, R"({"type":"topic","room":"#lobby","topic":"welcome all","by":"bob","ts":3})");
    feed(m, R"({"type":"part","room":"#lobby","nick":"caroline","reason":"lunch","ts":4})");
    feed(m, R"({"type":"quit","nick":"bob","reason":"quit: bye","ts":5})");
    const auto notes = texts(current_window(m), chat_line::kind::notice);
    REQUIRE(notes.size() >= 6);
    CHECK(notes[1] == "carol joined");
    CHECK(notes[2] == "carol is now known as caroline");
    CHECK(notes[3] == "bob set the topic: welcome all");
    CHECK(notes[4] == "caroline left (lunch)");
    CHECK(notes[5] == "bob quit (quit: bye)");
    CHECK(current_window(m).topic == "welcome all");
    CHECK(current_window(m).members == std::vector<std::string>{"alice"});
}

TEST_CASE("model: our own nick change and our own part") {
    model m = online();
    auto fx = type(m, "/nick alicia");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "nick"}, {"nick", "alicia"}}));
    feed(m, R"({"type":"nick","old":"alice","new":"alicia","ts":2})");
    CHECK(m.nick == "alicia");
    CHECK(m.wanted_nick == "alicia");
    fx = type(m, "/part bye");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "part"}, {"room", "#lobby"}, {"reason", "bye"}}));
    feed(m, R"({"type":"part","room":"#lobby","nick":"alicia","reason":"bye","ts":4})");
    CHECK(m.windows.empty());
    fx = type(m, "anyone?");
    CHECK(fx.frames.empty());
    CHECK(current_window(m).lines.back().what == chat_line::kind::error);
}

TEST_CASE("model: errors show in the window; unknown commands are local errors") {
    model m = online();
    feed(m, R"({"type":"error","code":"nick_in_use","message":"the nick bob is already in use","about":"nick"})");
    CHECK(current_window(m).lines.back().what == chat_line::kind::error);
    CHECK(current_window(m).lines.back().text == "the nick bob is already in use");
    // Line mode keeps the code, for scripts.
    model plain = online();
    plain.line_mode = true;
    feed(plain, R"({"type":"error","code":"nick_in_use","message":"the nick bob is already in use","about":"nick"})");
    CHECK(current_window(plain).lines.back().text == "nick_in_use: the nick bob is already in use");
    auto fx = type(m, "/bogus");
    CHECK(fx.frames.empty());
    CHECK(current_window(m).lines.back().text.find("unknown command") != std::string::npos);
}

TEST_CASE("model: a taken nick or a refused connection at start is fatal") {
    model m;
    m.wanted_nick = "bob";
    feed(m, state(net_event::kind::connected));
    feed(m, R"({"type":"error","code":"nick_in_use","message":"the nick bob is already in use"})");
    CHECK(m.fatal == "nick_in_use: the nick bob is already in use");

    model r;
    r.wanted_nick = "bob";
    feed(r, state(net_event::kind::disconnected, "connection refused"));
    CHECK(r.fatal == "connection refused");
}

TEST_CASE("model: reconnecting keeps typed lines pending, rejoins with since, and sends them after") {
    model m = online();
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice"]})");
    feed(m, msg(40, "#rust", "bob", "before"));
    feed(m, msg(41, "#lobby", "bob", "lobby before"));
    feed(m, state(net_event::kind::disconnected, "connection reset"));
    CHECK(m.state == conn_state::closed);
    CHECK(current_window(m).lines.back().what == chat_line::kind::error);
    m.now.steady_ms = 50'000;
    feed(m, state(net_event::kind::reconnect_wait, {}, 2000));
    CHECK(m.state == conn_state::waiting);
    CHECK(m.reconnect_at == 52'000);
    CHECK(needs_tick(m));

    auto fx = type(m, "typed offline");
    CHECK(fx.frames.empty());
    REQUIRE(m.pending.size() == 1);
    CHECK(current_window(m).lines.back().what == chat_line::kind::pending);

    fx = feed(m, state(net_event::kind::connected));
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find(R"("nick":"alice")") != std::string::npos);
    fx = feed(m, welcome("alice", "inst-1"));
    REQUIRE(fx.frames.size() == 2);
    CHECK(fx.frames[0] == chat::encode({{"type", "join"}, {"room", "#rust"}, {"since", 40}}));
    CHECK(fx.frames[1] == chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", "typed offline"}, {"action", false}}));
    CHECK(m.pending.empty());
    CHECK(texts(current_window(m), chat_line::kind::pending).empty());
    // The server puts us back in #lobby and replays history we already have: no duplicates.
    feed(m, R"({"type":"joined","room":"#lobby","topic":"","members":["bob","alice"]})");
    feed(m, msg(41, "#lobby", "bob", "lobby before", true));
    feed(m, msg(42, "#lobby", "bob", "missed", true));
    const auto said = texts(m.windows[0], chat_line::kind::message);
    REQUIRE(said.size() == 2);
    CHECK(said[1] == "missed");
    // Said while we were away: shown as live, not dimmed as old history, and counted as unread.
    const auto& missed = m.windows[0].lines.back();
    CHECK(missed.text == "missed");
    CHECK_FALSE(missed.history);
    CHECK(m.windows.size() == 2);
}

TEST_CASE("model: a restarted server (new instance) rejoins without since and resets ids") {
    model m = online();
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice"]})");
    feed(m, msg(40, "#rust", "bob", "before"));
    feed(m, state(net_event::kind::disconnected, "eof"));
    feed(m, state(net_event::kind::connected));
    auto fx = feed(m, welcome("alice", "inst-2"));
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "join"}, {"room", "#rust"}}));
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice"]})");
    feed(m, msg(1, "#rust", "bob", "new server"));
    CHECK(texts(m.windows[1], chat_line::kind::message).back() == "new server");
    // A new server's ids cannot be matched against what we saw: its history stays history, as it
    // does on a first join.
    feed(m, msg(2, "#rust", "bob", "old on the new server", true));
    CHECK(m.windows[1].lines.back().history);
    model fresh = online();
    feed(fresh, msg(5, "#lobby", "bob", "old news", true));
    CHECK(fresh.windows[0].lines.back().history);
}

TEST_CASE("model: on reconnect a taken nick falls back to nick_ and is taken back when free") {
    model m = online();
    feed(m, state(net_event::kind::disconnected, "eof"));
    feed(m, state(net_event::kind::connected));
    auto fx = feed(m, R"({"type":"error","code":"nick_in_use","message":"the nick alice is already in use"})");
    CHECK(m.fatal.empty());
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find(R"("nick":"alice_")") != std::string::npos);
    feed(m, welcome("alice_", "inst-1"));
    CHECK(m.nick == "alice_");
    CHECK(m.wanted_nick == "alice");
    fx = feed(m, R"({"type":"quit","nick":"alice","reason":"ping timeout","ts":5})");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "nick"}, {"nick", "alice"}}));
}

TEST_CASE("model: on reconnect a nick another key owns is said as such, and nick_ is tried") {
    model m = online();
    feed(m, state(net_event::kind::disconnected, "eof"));
    feed(m, state(net_event::kind::connected));
    auto fx = feed(m, R"({"type":"error","code":"nick_owned","message":"the nick alice belongs to another user's key; choose another nick"})");
    CHECK(m.fatal.empty());
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find(R"("nick":"alice_")") != std::string::npos);
    CHECK(current_window(m).lines.back().text == "the nick alice belongs to another user's key; trying alice_");
}

TEST_CASE("model: pending lines are all kept in order up to the byte cap; past it a line is refused, none dropped") {
    model m = online();
    m.max_pending_bytes = 40;  // four lines of ten bytes
    feed(m, state(net_event::kind::disconnected, "eof"));
    for (int i = 0; i < 4; ++i) CHECK(type_ok(m, "pending " + std::to_string(i) + "!"));
    CHECK(m.pending.size() == 4);
    CHECK(m.pending_bytes == 40);
    // The fifth does not fit: refused (the input line keeps it), and the four stay.
    CHECK_FALSE(type_ok(m, "pending 4!"));
    CHECK(current_window(m).lines.back().what == chat_line::kind::error);
    CHECK(current_window(m).lines.back().text.find("4 lines") != std::string::npos);
    CHECK(texts(current_window(m), chat_line::kind::unsent).empty());
    const auto waiting = texts(current_window(m), chat_line::kind::pending);
    REQUIRE(waiting.size() == 4);
    CHECK(waiting[0] == "pending 0!");
    CHECK(waiting[3] == "pending 3!");
    // Back online, all four go out in the order typed and the cap frees up.
    feed(m, state(net_event::kind::connected));
    auto fx = feed(m, welcome("alice", "inst-1"));
    REQUIRE(fx.frames.size() == 4);
    for (int i = 0; i < 4; ++i) CHECK(fx.frames[static_cast<std::size_t>(i)].find("pending " + std::to_string(i)) != std::string::npos);
    CHECK(m.pending_bytes == 0);
    CHECK(type_ok(m, "pending 4!"));
}

TEST_CASE("model: lines wait while the socket has a backlog, and go out in order once it drains") {
    model m = online();
    m.lim.rate = 0;  // no rate limit: only the socket paces
    m.send_backlog = m.max_send_backlog + 1;
    CHECK(type(m, "one").frames.empty());
    CHECK(type(m, "two").frames.empty());
    CHECK(m.pending.size() == 2);
    effects t;
    on_tick(m, t);
    CHECK(t.frames.empty());
    m.send_backlog = 0;
    on_tick(m, t);
    REQUIRE(t.frames.size() == 2);
    CHECK(t.frames[0].find("\"one\"") != std::string::npos);
    CHECK(t.frames[1].find("\"two\"") != std::string::npos);
    // With no rate limit nothing else holds a line back.
    for (int i = 0; i < 5000; ++i) REQUIRE(type(m, "x").frames.size() == 1);
}

TEST_CASE("model: a private message refused because the nick just left comes back to the input line") {
    model m = online();
    CHECK(type(m, "/msg carol are you there?").frames.size() == 1);
    feed(m, R"({"type":"error","code":"no_such_nick","message":"nobody is called carol","about":"pm","nick":"carol"})");
    CHECK(m.input.utf8() == "/msg carol are you there?");
    CHECK(m.refused == 1);
    // One that was delivered (echoed) does not come back for a later refusal.
    model n = online();
    type(n, "/msg bob hi");
    feed(n, R"({"type":"pm","id":3,"from":"alice","to":"bob","ts":1764079200000,"text":"hi","action":false})");
    feed(n, R"({"type":"error","code":"no_such_nick","message":"nobody is called bob","about":"pm","nick":"bob"})");
    CHECK(n.input.empty());
}

// The server's answer to each say in `fx` (its echo), fed back, and so on for what the answers
// release; returns how many says went out in all.
std::size_t echo_all(model& m, effects fx, int& next_id) {
    std::size_t sent = 0;
    while (!fx.frames.empty()) {
        effects more;
        for (const std::string& f : fx.frames) {
            const chat::json j = chat::json::parse(f);
            if (j.value("type", "") != "say") continue;
            ++sent;
            const chat::json echo = {{"type", "message"}, {"id", ++next_id}, {"room", j["room"]}, {"from", "alice"},
                               {"ts", 1764079200000}, {"text", j["text"]}, {"action", false}};
            effects e = feed(m, echo.dump());
            more.frames.insert(more.frames.end(), e.frames.begin(), e.frames.end());
        }
        fx = std::move(more);
    }
    return sent;
}

TEST_CASE("model: a paste faster than the rate limit is paced, not refused") {
    model m = online();
    m.now.steady_ms = 1000;  // the model's clock: only the test moves it
    m.tokens = 8;
    m.tokens_at = m.now.steady_ms;
    std::size_t sent = 0;
    int id = 100;
    for (int i = 0; i < 30; ++i) sent += echo_all(m, type(m, "pasted " + std::to_string(i)), id);
    CHECK(sent == 8);
    CHECK(m.pending.size() == 22);
    CHECK(tick_interval(m) > 0);
    for (int step = 0; step < 100 && !m.pending.empty(); ++step) {
        m.now.steady_ms += 100;
        effects t;
        on_tick(m, t);
        CHECK(t.frames.size() <= 1);
        sent += echo_all(m, t, id);
    }
    CHECK(sent == 30);
    // 22 lines at 4.5 per second take about 4.9 s of ticks.
    CHECK(m.now.steady_ms - 1000 >= 4500);
    CHECK(tick_interval(m) == -1);
}

TEST_CASE("model: at most burst/2 lines wait for the server's answer, so a late reader never sees a burst") {
    model m = online();  // burst 10: 5 in flight
    m.now.steady_ms = 1000;  // the model's clock: only the test moves it
    m.tokens = 8;
    m.tokens_at = m.now.steady_ms;
    std::size_t sent = 0;
    for (int i = 0; i < 8; ++i) sent += type(m, "line " + std::to_string(i)).frames.size();
    CHECK(sent == 5);
    CHECK(m.pending.size() == 3);
    // Tokens are there, the window is not: ticks send nothing until an answer comes.
    effects t;
    on_tick(m, t);
    CHECK(t.frames.empty());
    // An echo lets exactly one more go, at once.
    auto fx = feed(m, msg(1, "#lobby", "alice", "line 0"));
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find("line 5") != std::string::npos);
    // A refusal is an answer too.
    fx = feed(m, R"({"type":"error","code":"not_in_room","message":"x","about":"say","room":"#lobby"})");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].find("line 6") != std::string::npos);
    // Someone else's message and replayed history are not answers.
    CHECK(feed(m, msg(2, "#lobby", "bob", "line 1")).frames.empty());
    CHECK(feed(m, msg(3, "#lobby", "alice", "old", true)).frames.empty());
    // An answer that never comes does not stop the client for good.
    m.now.steady_ms += 3100;
    effects late;
    on_tick(m, late);
    REQUIRE(late.frames.size() == 1);
    CHECK(late.frames[0].find("line 7") != std::string::npos);
    // A new connection starts with an empty window.
    feed(m, welcome("alice", "inst-1"));
    CHECK(m.in_flight == 0);
}

TEST_CASE("model: a server that read nothing for a while is not sent more than its bucket holds") {
    model m = online();  // rate 5, burst 10: the server takes 10 at once, then 5 a second
    m.now.steady_ms = 1000;
    m.tokens = 8;
    m.tokens_at = m.now.steady_ms;
    std::size_t sent = 0;
    for (int i = 0; i < 30; ++i) sent += type(m, "line " + std::to_string(i)).frames.size();
    REQUIRE(sent == 5);  // the window: these wait unread while the server stalls
    // Half a second later the server reads them all at once and answers at once; everything sent
    // meanwhile reaches it at that same moment, when its bucket holds 10.
    m.now.steady_ms += 500;
    effects fx;
    for (int i = 0; i < 5; ++i) {
        effects e = feed(m, msg(100 + i, "#lobby", "alice", "line " + std::to_string(i)));
        fx.frames.insert(fx.frames.end(), e.frames.begin(), e.frames.end());
    }
    int id = 200;
    const std::size_t at_once = 5 + echo_all(m, fx, id);
    CHECK(at_once <= 8);  // paid at sending, 13 arrived together and 3 were refused
    CHECK(at_once >= 6);  // yet the budget refilled meanwhile is used
}

TEST_CASE("model: pending lines beyond the burst go out on later ticks") {
    model m = online();
    m.now.steady_ms = 1000;
    feed(m, state(net_event::kind::disconnected, "eof"));
    for (int i = 0; i < 20; ++i) type(m, "line " + std::to_string(i));
    feed(m, state(net_event::kind::connected));
    auto fx = feed(m, welcome("alice", "inst-1"));
    const std::size_t first = fx.frames.size();
    CHECK(first >= 1);
    CHECK(first < 10);
    std::size_t sent = first;
    for (int tick = 0; tick < 20 && !m.pending.empty(); ++tick) {
        m.now.steady_ms += 1000;
        effects t;
        on_tick(m, t);
        CHECK(t.frames.size() <= 5);
        sent += t.frames.size();
    }
    CHECK(sent == 20);
    CHECK_FALSE(needs_tick(m));
}

TEST_CASE("model: /quit asks to close with a reason; skipped and garbled events are shown") {
    model m = online();
    feed(m, state(net_event::kind::skipped, {}, 1234));
    CHECK(current_window(m).lines.back().text.find("1234 events skipped") != std::string::npos);
    feed(m, state(net_event::kind::garbled, "bad_json: \x1b[31mred"));
    CHECK(current_window(m).lines.back().text.find('\x1b') == std::string::npos);
    auto fx = type(m, "/quit gone fishing");
    CHECK(m.quit_requested);
    CHECK(fx.quit_frame == chat::encode({{"type", "quit"}, {"reason", "gone fishing"}}));
}

TEST_CASE("model: scrollback is capped per window and scrolling is clamped") {
    model m = online();
    m.max_lines = 50;
    for (int i = 1; i <= 200; ++i) feed(m, msg(i, "#lobby", "bob", "n" + std::to_string(i)));
    CHECK(current_window(m).lines.size() == 50);
    CHECK(current_window(m).lines.back().text == "n200");
    // 50 one-row lines and the date above the first: 51 rows, 10 shown, so at most 41 below.
    scroll_by(m, 1000, 80, 10);
    CHECK(current_window(m).scroll == 41);
    scroll_by(m, -10, 80, 10);
    CHECK(current_window(m).scroll == 31);
    feed(m, msg(201, "#lobby", "bob", "new"));
    CHECK(current_window(m).scroll == 32);  // the view stays where the user left it
    scroll_by(m, -1000, 80, 10);
    CHECK(current_window(m).scroll == 0);
    CHECK(current_window(m).scroll_cut == 0);
}

TEST_CASE("model: PgUp and PgDn move by screen rows, not by messages") {
    model m = online();
    // Lines of 10 words of 9 characters wrap to several rows each at 30 columns.
    std::string long_text;
    for (int w = 0; w < 10; ++w) long_text += "abcdefgh" + std::to_string(w) + " ";
    for (int i = 1; i <= 20; ++i) feed(m, msg(i, "#lobby", "bob", long_text + std::to_string(i)));
    const window& w = current_window(m);
    const std::size_t per_line = line_rows(m, w, w.lines.size() - 1, 30, 0).size();
    REQUIRE(per_line >= 4);
    effects fx;
    bool redraw = false;
    // A pane of 12 rows pages by 10 rows: part of the way through the third line from the end.
    on_key(m, key{key::type::page_up, 0, {}, false}, 12, 30, fx, redraw);
    CHECK(w.scroll == 10 / per_line);
    CHECK(w.scroll_cut == 10 % per_line);
    CHECK(lines_below(w) == 10 / per_line + (10 % per_line > 0 ? 1 : 0));
    // A new line below keeps the view where it is.
    feed(m, msg(21, "#lobby", "bob", "new"));
    CHECK(w.scroll == 10 / per_line + 1);
    CHECK(w.scroll_cut == 10 % per_line);
    on_key(m, key{key::type::page_down, 0, {}, false}, 12, 30, fx, redraw);
    CHECK(lines_below(w) == 1);  // the one new line is 1 row, under the 10 rows paged back
    CHECK(w.scroll == 1);
    CHECK(w.scroll_cut == 0);
    on_key(m, key{key::type::page_down, 0, {}, false}, 12, 30, fx, redraw);
    CHECK(lines_below(w) == 0);
}

TEST_CASE("model: keys edit, switch windows, scroll, and quit") {
    model m = online();
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice","bob"]})");
    effects fx;
    bool redraw = false;
    auto press = [&](key::type t, char32_t cp = 0) {
        fx = effects{};
        return on_key(m, key{t, cp, {}, false}, 20, 80, fx, redraw);
    };
    press(key::type::alt, U'2');
    CHECK(current_window(m).name == "#rust");
    press(key::type::ctrl, U'p');
    CHECK(current_window(m).name == "#lobby");
    press(key::type::function, 2);
    CHECK(current_window(m).name == "#rust");
    press(key::type::alt, U'9');  // no window 9: stays
    CHECK(current_window(m).name == "#rust");

    for (char32_t c : std::u32string(U"hi b")) press(key::type::character, c);
    press(key::type::tab);
    CHECK(m.input.utf8() == "hi bob ");
    CHECK_FALSE(press(key::type::enter));
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "say"}, {"room", "#rust"}, {"text", "hi bob "}, {"action", false}}));
    CHECK(m.input.empty());

    for (int i = 0; i < 100; ++i) feed(m, msg(100 + i, "#rust", "bob", "line"));
    press(key::type::page_up);
    CHECK(current_window(m).scroll == 18);
    press(key::type::page_down);
    CHECK(current_window(m).scroll == 0);

    press(key::type::ctrl, U'l');
    CHECK(redraw);
    CHECK_FALSE(fx.suspend);
    CHECK_FALSE(press(key::type::ctrl, U'z'));  // Ctrl-Z stops the job, it does not quit
    CHECK(fx.suspend);
    press(key::type::character, U'x');
    CHECK_FALSE(press(key::type::ctrl, U'd'));  // not empty: Delete, not quit
    CHECK(press(key::type::ctrl, U'u') == false);
    CHECK(press(key::type::ctrl, U'd'));
    CHECK_FALSE(fx.quit_frame.empty());
}

TEST_CASE("model: /rooms lists names, counts and topics in aligned columns") {
    model m = online();
    feed(m, R"({"type":"rooms","rooms":[{"name":"#x","members":1,"topic":"ex"},{"name":"#lobby","members":12,"topic":"hi"}]})");
    const auto info = texts(current_window(m), chat_line::kind::info);
    REQUIRE(info.size() >= 3);
    const std::string& a = info[info.size() - 2];
    const std::string& b = info.back();
    CHECK(a == "  #x      1 member    ex");
    CHECK(b == "  #lobby  12 members  hi");
}

TEST_CASE("model: a mention is a whole word, in any case") {
    CHECK(mentions("hey Alice, look", "alice"));
    CHECK(mentions("alice: hi", "alice"));
    CHECK(mentions("ping @alice", "alice"));
    CHECK_FALSE(mentions("malice aforethought", "alice"));
    CHECK_FALSE(mentions("alice_ is not me", "alice"));
    CHECK_FALSE(mentions("anything", ""));
}

TEST_CASE("model: windows are bounded in bytes, and private messages from a crowd open no more windows") {
    model m = online();
    m.max_window_bytes = 10000;
    const std::string big(1000, 'x');
    for (int i = 1; i <= 50; ++i) feed(m, msg(i, "#lobby", "bob", big));
    CHECK(current_window(m).lines.size() <= 10);
    CHECK(current_window(m).bytes <= 10000);
    CHECK(current_window(m).lines.back().text == big);

    m.max_windows = 4;
    for (int i = 0; i < 10; ++i) {
        feed(m, R"({"type":"pm","id":)" + std::to_string(100 + i) + R"(,"from":"p)" + std::to_string(i) +
                    R"(","to":"alice","ts":1,"text":"hi","action":false})");
    }
    CHECK(m.windows.size() == 4);
    CHECK(texts(m.windows[0], chat_line::kind::pm).size() == 10);  // every one still shows
}

TEST_CASE("model: switching to a window marks where its unread lines began, until it is left") {
    model m = online();
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice","bob"]})");
    feed(m, msg(1, "#rust", "bob", "seen? no, unread one"));
    feed(m, msg(2, "#rust", "bob", "unread two"));
    REQUIRE(m.windows[1].unread == 2);
    switch_to(m, 1);
    const window& w = m.windows[1];
    REQUIRE(w.marker != 0);
    auto first = std::find_if(w.lines.begin(), w.lines.end(), [&](const chat_line& l) { return l.seq == w.marker; });
    REQUIRE(first != w.lines.end());
    CHECK(first->text == "seen? no, unread one");
    switch_to(m, 0);
    CHECK(m.windows[1].marker == 0);
    switch_to(m, 1);
    CHECK(m.windows[1].marker == 0);  // nothing new since
}

TEST_CASE("model: /reconnect skips the countdown only while disconnected") {
    model m = online();
    auto fx = type(m, "/reconnect");
    CHECK_FALSE(fx.reconnect_now);
    feed(m, state(net_event::kind::disconnected, "eof"));
    feed(m, state(net_event::kind::reconnect_wait, {}, 30000));
    fx = type(m, "/reconnect");
    CHECK(fx.reconnect_now);
    CHECK(fx.frames.empty());
}

TEST_CASE("model: a timestamp past year 9999 or before 1970 is replaced by now") {
    // A hostile server once made the day-line arithmetic overflow with ts 1764079200079270000.
    model m = online();
    m.now.utc_ms = 1764079260000;
    int id = 100;
    for (const std::string ts : {"1764079200079270000", "9223372036854775807", "-5", "0"}) {
        ++id;
        feed(m, R"({"type":"message","id":)" + std::to_string(id) + R"(,"room":"#lobby","from":"bob","ts":)" + ts +
                    R"(,"text":"when )" + ts + R"(","action":false,"history":false})");
        const auto& l = m.windows[0].lines.back();
        REQUIRE(l.text == "when " + ts);
        CHECK_MESSAGE(l.ts == m.now.utc_ms, "ts " << ts);
    }
    // And the day key of any timestamp is computed without overflow.
    CHECK(day_key(std::numeric_limits<std::int64_t>::max() / 2) / 10000 <= 9999);
}

TEST_CASE("paste: split within the server's limits, one message on a multiline server, shown as a block") {
    chat::limits lim;
    lim.max_lines = 2;
    lim.max_text = 10;
    const auto parts = split_message("a\nb\nc\n0123456789abc", lim);
    REQUIRE(parts.size() == 4);
    CHECK(parts[0] == "a\nb");
    CHECK(parts[1] == "c");
    CHECK(parts[2] == "0123456789");
    CHECK(parts[3] == "abc");
    // A part of blank lines only is no message: left out, counted, and the offer says so.
    std::size_t blank = 0;
    CHECK(split_message("a\n\n\n\nb", lim, &blank) == std::vector<std::string>{"a\n", "b"});
    CHECK(blank == 2);
    {
        model p = online();
        p.multiline = true;
        p.lim.max_lines = 2;
        on_paste(p, "a\r\r\r\rb\r", false);
        REQUIRE(p.paste.active);
        CHECK(p.paste.note.find("2 blank lines in a row are left out") != std::string::npos);
    }

    model m = online();
    m.multiline = true;
    m.lim.max_lines = 50;
    // Seven pasted lines, one a command: an offer, then one say frame holding all of them.
    on_paste(m, "one\r/quit\rthree\rfour\rfive\rsix\rseven\r", false);
    REQUIRE(m.paste.active);
    CHECK(m.paste.lines == 7);
    effects fx;
    bool redraw = false;
    CHECK_FALSE(on_key(m, key{key::type::enter, 0, {}, false}, 20, 80, fx, redraw));
    CHECK_FALSE(m.quit_requested);
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "say"}, {"room", "#lobby"}, {"text", "one\n/quit\nthree\nfour\nfive\nsix\nseven"}, {"action", false}}));
    // The echo draws as a block under one nick, and line mode marks the continuation lines.
    feed(m, msg(9, "#lobby", "bob", "first\\nsecond"));
    const auto rows = line_rows(m, current_window(m), current_window(m).lines.size() - 1, 80, 0);
    REQUIRE(rows.size() >= 2);
    CHECK(row_width(rows[rows.size() - 1]) > 0);
    printed_line p{"#lobby", false, current_window(m).lines.back()};
    const std::string plain = plain_text(p);
    CHECK(plain.find("<bob> first\n  | second") != std::string::npos);
}

TEST_CASE("model: /topic -clear sends an empty topic; offline the status bar shows no stale member count") {
    model m = online();
    auto fx = type(m, "/topic -clear");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "topic"}, {"room", "#lobby"}, {"topic", ""}}));
    auto bar_text = [&] {
        std::string s;
        for (const auto& r : status_line(m, 100).left) s += r.text;
        return s;
    };
    CHECK(bar_text().find("#lobby (2)") != std::string::npos);
    feed(m, state(net_event::kind::disconnected, "eof"));
    CHECK(bar_text().find("#lobby (offline)") != std::string::npos);
}

TEST_CASE("model: offline pms (feature offline_pm) are marked: ours kept for later, theirs sent while we were away") {
    model m = online();
    type(m, "/msg carol see you tomorrow");
    REQUIRE(m.in_flight == 1);
    feed(m, R"({"type":"pm","id":12,"from":"alice","to":"carol","ts":1764079200000,"text":"see you tomorrow","action":false,"offline":true})");
    CHECK(m.in_flight == 0);  // the echo answers the pm
    const chat_line stored = m.windows[*find_window(m, "carol")].lines.back();
    CHECK(stored.offline);
    CHECK(plain_text(printed_line{"carol", true, stored}).find("[pm stored] <alice -> carol> see you tomorrow") != std::string::npos);
    std::string shown;
    for (const auto& r : pieces(m, m.windows[*find_window(m, "carol")], stored)) shown += r.text;
    CHECK(shown.find("carol is offline: kept for their next login") != std::string::npos);

    // A pm kept for us while we were away, delivered after welcome: marked, and no answer.
    type(m, "/msg bob hi");
    REQUIRE(m.in_flight == 1);
    feed(m, R"({"type":"pm","id":7,"from":"dave","to":"alice","ts":1764070000000,"text":"did you see the build?","action":false,"offline":true})");
    CHECK(m.in_flight == 1);
    const chat_line got = m.windows[*find_window(m, "dave")].lines.back();
    CHECK(got.offline);
    CHECK_FALSE(got.self);
    const std::string plain = plain_text(printed_line{"dave", true, got});
    CHECK(plain.find("[pm offline] <dave -> alice> did you see the build?") != std::string::npos);
    shown.clear();
    for (const auto& r : pieces(m, m.windows[*find_window(m, "dave")], got)) shown += r.text;
    CHECK(shown.find("(sent while you were away)") != std::string::npos);
    // An ordinary pm has neither tag.
    feed(m, R"({"type":"pm","id":13,"from":"dave","to":"alice","ts":1764079300000,"text":"live","action":false})");
    CHECK(plain_text(printed_line{"dave", true, m.windows[*find_window(m, "dave")].lines.back()}).find("[pm] <dave -> alice> live") !=
          std::string::npos);
}

TEST_CASE("model: a password refused after a reconnect is asked for on the input line, masked") {
    model m;
    m.wanted_nick = "alice";
    feed(m, state(net_event::kind::connected));
    feed(m, welcome("alice", "inst-1"));
    feed(m, state(net_event::kind::disconnected));
    feed(m, state(net_event::kind::connected));
    // The server restarted with --password-file: asked, not fatal.
    feed(m, R"({"type":"error","code":"password_required","message":"this server wants a password","about":"hello"})");
    CHECK(m.fatal.empty());
    REQUIRE(m.asking_password);
    const window& shown = m.windows.empty() ? m.status : m.windows[0];
    REQUIRE_FALSE(shown.lines.empty());
    CHECK(shown.lines.back().text.find("now wants a password") != std::string::npos);
    // The next connection waits for it: no hello with the old (empty) password.
    feed(m, state(net_event::kind::disconnected));
    auto fx = feed(m, state(net_event::kind::connected));
    CHECK(fx.frames.empty());
    bool redraw = false;
    effects keys;
    for (const char32_t c : std::u32string(U"sécret!")) on_key(m, key{key::type::character, c, {}, false}, 12, 80, keys, redraw);
    on_key(m, key{key::type::backspace, 0, {}, false}, 12, 80, keys, redraw);
    CHECK(m.password_typed == "s\xC3\xA9" "cret");
    CHECK(m.input.utf8().empty());  // nothing reached the ordinary input line
    CHECK(keys.frames.empty());
    effects enter;
    CHECK_FALSE(on_key(m, key{key::type::enter, 0, {}, false}, 12, 80, enter, redraw));
    CHECK_FALSE(m.asking_password);
    CHECK(m.password_typed.empty());
    REQUIRE(enter.frames.size() == 1);
    CHECK(enter.frames[0] == chat::encode({{"type", "hello"}, {"version", 1}, {"nick", "alice"}, {"password", "s\xC3\xA9" "cret"}}));
    // Refused again: asked again; Esc leaves with a reason.
    feed(m, R"({"type":"error","code":"bad_password","message":"wrong password","about":"hello"})");
    REQUIRE(m.asking_password);
    effects esc;
    CHECK(on_key(m, key{key::type::escape, 0, {}, false}, 12, 80, esc, redraw));
    CHECK_FALSE(esc.quit_frame.empty());
    CHECK(m.fatal.find("no password given") == 0);
    // A password from a file is never asked for instead: fatal, as before.
    model f;
    f.wanted_nick = "bob";
    f.password = "from file";
    f.password_from_file = true;
    feed(f, state(net_event::kind::connected));
    feed(f, welcome("bob", "inst-1"));
    feed(f, state(net_event::kind::disconnected));
    feed(f, state(net_event::kind::connected));
    feed(f, R"({"type":"error","code":"bad_password","message":"wrong password","about":"hello"})");
    CHECK_FALSE(f.asking_password);
    CHECK(f.fatal.find("bad_password") == 0);
}

TEST_CASE("model: a password (--password-file) goes in every hello; password_required and bad_password are fatal") {
    model m;
    m.wanted_nick = "alice";
    m.password = "correct horse";
    auto fx = feed(m, state(net_event::kind::connected));
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "hello"}, {"version", 1}, {"nick", "alice"}, {"password", "correct horse"}}));
    feed(m, R"({"type":"error","code":"bad_password","message":"wrong password","about":"hello"})");
    CHECK(m.fatal.find("bad_password: wrong password") == 0);
    CHECK(m.fatal.find("--password-file") != std::string::npos);
    // Without one, hello is unchanged byte for byte.
    model n;
    n.wanted_nick = "bob";
    fx = feed(n, state(net_event::kind::connected));
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == chat::encode({{"type", "hello"}, {"version", 1}, {"nick", "bob"}}));
}

TEST_CASE("model: /rooms shows a room nobody is in whose history the server keeps, and says when the list is cut") {
    model m = online();
    feed(m, R"({"type":"rooms","rooms":[{"name":"#lobby","members":2,"topic":""},{"name":"#attic","members":0,"topic":"old stuff","stored":true}],"truncated":true})");
    const auto info = texts(current_window(m), chat_line::kind::info);
    REQUIRE(info.size() >= 4);
    CHECK(info[info.size() - 3] == "  #lobby  2 members");
    CHECK(info[info.size() - 2] == "  #attic  history only  old stuff");
    CHECK(info.back() == "  (the server keeps more rooms with history than it lists)");
}

TEST_CASE("quiet rooms: joined says the count, the member list is asked for once and not printed") {
    model m = online();
    const effects fx = feed(m, R"({"type":"joined","room":"#all","topic":"","members":[],"quiet":true,"count":2000,"history":0})");
    const window& w = m.windows[*find_window(m, "#all")];
    CHECK(w.quiet);
    bool said_count = false;
    for (const auto& l : w.lines) said_count |= l.text.find("2000 members; a quiet room") != std::string::npos;
    CHECK(said_count);
    std::size_t whos = 0;
    for (const auto& f : fx.frames) whos += f.find(R"("type":"who")") != std::string::npos;
    CHECK(whos == 1);
    const std::size_t lines_before = m.windows[*find_window(m, "#all")].lines.size();
    feed(m, R"({"type":"who","room":"#all","members":["alice","bob","carol"]})");
    CHECK(m.windows[*find_window(m, "#all")].members.size() == 3);
    CHECK(m.windows[*find_window(m, "#all")].lines.size() == lines_before);  // filled, not printed
    CHECK(m.quiet_who.empty());
    // A who the user asks for later prints as always.
    const std::size_t status_before = m.status.lines.size() + m.windows[m.current].lines.size();
    feed(m, R"({"type":"who","room":"#all","members":["alice","bob"]})");
    CHECK(m.status.lines.size() + m.windows[m.current].lines.size() > status_before);
}
