// Lines sent when the connection dies before the server answered them: after the reconnect, the
// rooms' replays tell which arrived; the others are sent again, first, and once; what nothing can
// tell is said. Driven through the model with an injected clock.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/model_feed.hpp"
#include "update.hpp"
#include "windows.hpp"

using namespace chat::client;
using chat::client::testing::feed;

namespace {

net_event state(net_event::kind k, std::string text = {}) {
    net_event ev;
    ev.what = k;
    ev.text = std::move(text);
    return ev;
}

effects type(model& m, const std::string& line) {
    effects fx;
    on_submit(m, line, fx);
    return fx;
}

std::string msg(int id, const std::string& room, const std::string& from, const std::string& text, bool history = false) {
    return R"({"type":"message","id":)" + std::to_string(id) + R"(,"room":")" + room + R"(","from":")" + from +
           R"(","ts":1764079200000,"text":")" + text + R"(","action":false,"history":)" + (history ? "true" : "false") + "}";
}

std::string pm(int id, const std::string& from, const std::string& to, const std::string& text) {
    return R"({"type":"pm","id":)" + std::to_string(id) + R"(,"from":")" + from + R"(","to":")" + to +
           R"(","ts":1764079200000,"text":")" + text + R"(","action":false,"history":false})";
}

std::string welcome(const std::string& instance, int history = 100) {
    return R"({"type":"welcome","version":1,"nick":"alice","server":"chatd 1.0.0","instance":")" + instance +
           R"(","default_room":"#lobby","limits":{"max_nick":16,"max_text":4096,"rate":5,"burst":10,"history":)" +
           std::to_string(history) + "}}";
}

std::string joined(const std::string& room, int history) {
    return R"({"type":"joined","room":")" + room + R"(","topic":"","members":["bob","alice"],"history":)" +
           std::to_string(history) + "}";
}

model online() {
    model m;
    m.now.steady_ms = 1000;  // the model's clock: only the test moves it
    m.wanted_nick = "alice";
    feed(m, state(net_event::kind::connected));
    feed(m, welcome("inst-1"));
    feed(m, joined("#lobby", 0));
    return m;
}

// Drops the connection and brings it back to a server with `instance`.
effects reconnect(model& m, const std::string& instance = "inst-1", int history_limit = 100) {
    feed(m, state(net_event::kind::disconnected, "eof"));
    feed(m, state(net_event::kind::connected));
    return feed(m, welcome(instance, history_limit));
}

// The say/pm frames among `fx`, as their texts.
std::vector<std::string> said(const effects& fx) {
    std::vector<std::string> out;
    for (const auto& f : fx.frames) {
        auto r = chat::decode(f, 8);
        REQUIRE(r);
        const auto& f2 = *r.value;
        if (f2.type == "say" || f2.type == "pm") out.push_back(f2.body.value("text", ""));
    }
    return out;
}

std::size_t errors_with(const model& m, const std::string& text) {
    std::size_t n = 0;
    for (const auto& w : m.windows) {
        for (const auto& l : w.lines) n += l.what == chat_line::kind::error && l.text.find(text) != std::string::npos;
    }
    return n;
}

std::size_t shown(const window& w, const std::string& text) {
    std::size_t n = 0;
    for (const auto& l : w.lines) n += l.what == chat_line::kind::message && l.text == text;
    return n;
}

}  // namespace

TEST_CASE("delivery: a sent line is kept until its echo or a refusal answers it") {
    model m = online();
    CHECK(said(type(m, "one")) == std::vector<std::string>{"one"});
    type(m, "two");
    type(m, "/msg bob three");
    CHECK(m.unanswered.size() == 3);
    feed(m, msg(1, "#lobby", "bob", "one"));  // someone else saying the same is no answer
    CHECK(m.unanswered.size() == 3);
    feed(m, msg(2, "#lobby", "alice", "one"));
    CHECK(m.unanswered.size() == 2);
    CHECK(m.unanswered.front().line.text == "two");
    feed(m, R"({"type":"error","code":"rate_limited","message":"x","about":"say","room":"#lobby"})");
    REQUIRE(m.unanswered.size() == 1);
    CHECK(m.unanswered.front().line.query);
    feed(m, pm(3, "alice", "bob", "three"));
    CHECK(m.unanswered.empty());
    CHECK(m.unanswered_bytes == 0);
    CHECK(all_answered(m));
}

TEST_CASE("delivery: after a reconnect, a line in the replay is not sent again; the others go first, once, in order") {
    model m = online();
    for (const char* t : {"a", "b", "c", "d"}) type(m, t);
    feed(m, msg(1, "#lobby", "alice", "a"));  // answered before the connection died
    CHECK(m.unanswered.size() == 3);
    feed(m, state(net_event::kind::disconnected, "eof"));
    type(m, "typed while away");
    feed(m, state(net_event::kind::connected));
    // Nothing goes out before the replay says what the server has.
    CHECK(said(feed(m, welcome("inst-1"))).empty());
    CHECK(settling(m));
    CHECK(said(type(m, "typed during the replay")).empty());
    CHECK(said(feed(m, joined("#lobby", 3))).empty());
    CHECK(said(feed(m, msg(1, "#lobby", "alice", "a", true))).empty());  // seen before: no news
    CHECK(said(feed(m, msg(2, "#lobby", "alice", "b", true))).empty());  // stored: it arrived
    const effects fx = feed(m, msg(3, "#lobby", "bob", "c", true));    // bob's "c" is not ours
    CHECK_FALSE(settling(m));
    CHECK(said(fx) == std::vector<std::string>{"c", "d", "typed while away", "typed during the replay"});
    const window& w = m.windows[*find_window(m, "#lobby")];
    CHECK(shown(w, "a") == 1);
    CHECK(shown(w, "b") == 1);
    CHECK(m.uncertain == 0);
    CHECK(m.refused == 0);
}

TEST_CASE("delivery: a rejoined room asks for what was missed; an empty replay sends everything again") {
    model m = online();
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["alice"],"history":0})");
    feed(m, msg(7, "#rust", "bob", "before"));
    type(m, "/win #rust");
    type(m, "lost one");
    type(m, "lost two");
    const effects w = reconnect(m);
    bool asked_since = false;
    for (const auto& f : w.frames) asked_since |= f.find(R"("since":7)") != std::string::npos;
    CHECK(asked_since);
    CHECK(said(w).empty());
    // #lobby's replay alone is not enough: #rust's is awaited too.
    CHECK(said(feed(m, joined("#lobby", 0))).empty());
    CHECK(said(feed(m, joined("#rust", 0))) == std::vector<std::string>{"lost one", "lost two"});
    CHECK(m.unanswered.size() == 2);  // and they are awaited again
}

TEST_CASE("delivery: the same text twice, stored once, is sent once more") {
    model m = online();
    type(m, "ok");
    type(m, "ok");
    reconnect(m);
    feed(m, joined("#lobby", 1));
    const effects fx = feed(m, msg(4, "#lobby", "alice", "ok", true));
    CHECK(said(fx) == std::vector<std::string>{"ok"});
}

TEST_CASE("delivery: what nothing can tell is said, not resent: private messages, another instance, a cut replay") {
    SUBCASE("a private message") {
        model m = online();
        m.line_mode = true;
        type(m, "/msg bob are you there");
        reconnect(m);
        CHECK_FALSE(settling(m));  // no replay can tell: settled at once
        CHECK(errors_with(m, "may not have arrived") == 1);
        CHECK(m.uncertain == 1);
        CHECK(m.refused == 1);
        REQUIRE(m.refusals.size() == 1);
        CHECK(m.refusals[0].find("may not have arrived to bob") != std::string::npos);
        CHECK(m.refusals[0].find("are you there") != std::string::npos);
    }
    SUBCASE("another server instance (a restart without a store)") {
        model m = online();
        type(m, "hello");
        CHECK(said(reconnect(m, "inst-2")).empty());
        CHECK(said(feed(m, joined("#lobby", 0))).empty());
        CHECK(errors_with(m, "may not have arrived") == 1);
        CHECK(m.uncertain == 1);
    }
    SUBCASE("a replay as long as the server keeps may have left it out") {
        model m = online();
        type(m, "hello");
        reconnect(m, "inst-1", 2);
        feed(m, joined("#lobby", 2));
        feed(m, msg(10, "#lobby", "bob", "x", true));
        const effects fx = feed(m, msg(11, "#lobby", "bob", "y", true));
        CHECK(said(fx).empty());
        CHECK(errors_with(m, "may not have arrived") == 1);
    }
    SUBCASE("a replay that never comes") {
        model m = online();
        type(m, "hello");
        type(m, "/join #rust");
        type(m, "queued");  // waits for the join
        reconnect(m);
        CHECK(tick_interval(m) == 100);
        effects t;
        on_tick(m, t);
        CHECK(said(t).empty());
        m.now.steady_ms += 5001;
        on_tick(m, t);
        CHECK(errors_with(m, "may not have arrived") == 1);
        CHECK_FALSE(settling(m));
    }
}

TEST_CASE("delivery: a second drop while settling keeps the lines; the next replay settles them") {
    model m = online();
    type(m, "first");
    type(m, "second");
    reconnect(m);
    feed(m, joined("#lobby", 2));
    CHECK(said(feed(m, msg(2, "#lobby", "alice", "first", true))).empty());
    CHECK(settling(m));
    CHECK(m.unsettled.size() == 1);
    // The connection drops again before the replay's end: "second" is still in doubt.
    reconnect(m);
    CHECK(settling(m));
    feed(m, joined("#lobby", 1));
    const effects fx = feed(m, msg(2, "#lobby", "alice", "first", true));  // shown already: no news
    CHECK(said(fx) == std::vector<std::string>{"second"});
    CHECK(shown(m.windows[*find_window(m, "#lobby")], "first") == 1);
}

TEST_CASE("delivery: the unanswered lines' bytes bound the in-flight window") {
    model m = online();
    m.lim.rate = 0;  // no rate: only the window paces
    const std::size_t one = sizeof(sent_line) + 30;  // an entry, its text and "#lobby"
    m.max_unanswered_bytes = 4 * one;
    std::size_t sent = 0;
    for (int i = 0; i < 20; ++i) sent += said(type(m, std::string(20, 'x') + std::to_string(i))).size();
    CHECK(sent < 20);
    CHECK(sent >= 4);
    CHECK(m.unanswered_bytes <= 5 * one);
    CHECK(m.pending.size() == 20 - sent);
    const std::string first = m.unanswered.front().line.text;
    feed(m, msg(1, "#lobby", "alice", first));
    CHECK(m.pending.size() < 20 - sent);
}

TEST_CASE("delivery: giving up at the end says which lines may not have arrived") {
    model m = online();
    m.line_mode = true;
    type(m, "one");
    type(m, "two");
    feed(m, msg(1, "#lobby", "alice", "one"));
    CHECK_FALSE(all_answered(m));
    give_up_unanswered(m);
    CHECK(all_answered(m));
    CHECK(m.uncertain == 1);
    REQUIRE(m.refusals.size() == 1);
    CHECK(m.refusals[0].find(": two") != std::string::npos);
}
