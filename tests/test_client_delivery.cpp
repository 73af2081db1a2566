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

namespace {

std::string welcome_pages(const std::string& instance) {
    return R"({"type":"welcome","version":1,"nick":"alice","server":"chatd 1.0.0","instance":")" + instance +
           R"(","default_room":"#lobby","limits":{"max_nick":16,"max_text":4096,"rate":5,"burst":10,"history":100},)" +
           R"("features":["history_pages"]})";
}

std::string stored_pm(int id, const std::string& from, const std::string& to, const std::string& text) {
    return R"({"type":"pm","id":)" + std::to_string(id) + R"(,"from":")" + from + R"(","to":")" + to +
           R"(","ts":1764079200000,"text":")" + text + R"(","action":false,"history":true})";
}

std::string page(const std::string& nick, const std::vector<std::string>& pms, bool complete) {
    std::string out = R"({"type":"history","nick":")" + nick + R"(","before":0,"messages":[)";
    for (std::size_t i = 0; i < pms.size(); ++i) out += (i ? "," : "") + pms[i];
    return out + R"(],"complete":)" + (complete ? "true" : "false") + "}";
}

model online_pages() {
    model m;
    m.now.steady_ms = 1000;
    m.wanted_nick = "alice";
    feed(m, state(net_event::kind::connected));
    feed(m, welcome_pages("inst-1"));
    feed(m, joined("#lobby", 0));
    return m;
}

// The history requests among `fx`, as the nick or room each asks for.
std::vector<std::string> pages_asked(const effects& fx) {
    std::vector<std::string> out;
    for (const auto& f : fx.frames) {
        auto r = chat::decode(f, 8);
        REQUIRE(r);
        if (r.value->type == "history") out.push_back(r.value->body.value("nick", r.value->body.value("room", "")));
    }
    return out;
}

effects reconnect_pages(model& m) {
    feed(m, state(net_event::kind::disconnected, "eof"));
    feed(m, state(net_event::kind::connected));
    return feed(m, welcome_pages("inst-1"));
}

std::size_t pms_shown(const model& m, const std::string& peer, const std::string& text) {
    const auto i = find_window(m, peer);
    if (!i) return 0;
    std::size_t n = 0;
    for (const auto& l : m.windows[*i].lines) n += l.what == chat_line::kind::pm && l.text == text;
    return n;
}

net_event unsent(const std::string& frame, std::int64_t why) {
    net_event ev;
    ev.what = net_event::kind::unsent;
    ev.text = frame;
    ev.number = why;
    return ev;
}

}  // namespace

TEST_CASE("delivery: a pm in doubt after a reconnect is settled by the newest page of its conversation") {
    model m = online_pages();
    type(m, "/msg bob one");
    feed(m, pm(5, "alice", "bob", "one"));  // answered before the drop
    type(m, "/msg bob two");
    type(m, "/msg bob three");
    const effects fx = reconnect_pages(m);
    CHECK(pages_asked(fx) == std::vector<std::string>{"bob"});
    CHECK(said(fx).empty());
    CHECK(settling(m));
    // "two" reached the server (its echo was lost), "three" did not; bob answered meanwhile.
    const effects after = feed(m, page("bob", {stored_pm(5, "alice", "bob", "one"), stored_pm(6, "alice", "bob", "two"),
                                               stored_pm(7, "bob", "alice", "said while you were away")},
                                       false));
    CHECK_FALSE(settling(m));
    CHECK(said(after) == std::vector<std::string>{"three"});
    CHECK(m.uncertain == 0);
    CHECK(pms_shown(m, "bob", "one") == 1);
    CHECK(pms_shown(m, "bob", "two") == 1);
    CHECK(pms_shown(m, "bob", "said while you were away") == 1);
}

TEST_CASE("delivery: a conversation's page that may be cut, or is refused, leaves its pms in doubt, said") {
    SUBCASE("the page does not reach back to what the window showed") {
        model m = online_pages();
        type(m, "/msg bob one");
        feed(m, pm(5, "alice", "bob", "one"));
        type(m, "/msg bob two");
        reconnect_pages(m);
        const effects after = feed(m, page("bob", {stored_pm(9, "bob", "alice", "x")}, false));
        CHECK(said(after).empty());
        CHECK(errors_with(m, "may not have arrived") == 1);
        CHECK_FALSE(settling(m));
    }
    SUBCASE("the start of the conversation is on the page") {
        model m = online_pages();
        type(m, "/msg carol first words");
        const effects back = reconnect_pages(m);
        CHECK(pages_asked(back) == std::vector<std::string>{"carol"});
        const effects after = feed(m, page("carol", {}, true));
        CHECK(said(after) == std::vector<std::string>{"first words"});
        CHECK(m.uncertain == 0);
    }
    SUBCASE("the request is refused (rate limited: the error names no nick)") {
        model m = online_pages();
        type(m, "/msg bob two");
        reconnect_pages(m);
        feed(m, R"({"type":"error","code":"rate_limited","message":"x","about":"history"})");
        CHECK(errors_with(m, "may not have arrived") == 1);
        CHECK_FALSE(settling(m));
    }
    SUBCASE("a server without pages: nothing is asked, the pm may not have arrived") {
        model m = online();
        type(m, "/msg bob two");
        const effects back = reconnect(m);
        CHECK(pages_asked(back).empty());
        CHECK(errors_with(m, "may not have arrived") == 1);
    }
}

TEST_CASE("delivery: a frame the connection could not send is said, never lost without a word") {
    SUBCASE("a say refused by a full outgoing queue is refused, and its window slot freed") {
        model m = online();
        m.line_mode = true;
        const effects fx = type(m, "hello there");
        REQUIRE(fx.frames.size() == 1);
        feed(m, unsent(fx.frames[0], net_event::unsent_full));
        CHECK(m.unanswered.empty());
        CHECK(m.refused == 1);
        CHECK(errors_with(m, "not sent (the server is not reading") == 1);
        REQUIRE(m.refusals.size() == 1);
        CHECK(m.refusals[0].find("hello there") != std::string::npos);
    }
    SUBCASE("a say cut by a dropped connection waits for the reconnect's settling") {
        model m = online();
        const effects fx = type(m, "hello there");
        feed(m, unsent(fx.frames[0], net_event::unsent_cut));
        CHECK(m.unanswered.size() == 1);
        CHECK(m.refused == 0);
        reconnect(m);
        CHECK(said(feed(m, joined("#lobby", 0))) == std::vector<std::string>{"hello there"});
    }
    SUBCASE("a join, a topic and a page request are each said") {
        model m = online();
        const effects j = type(m, "/join #rust");
        REQUIRE_FALSE(j.frames.empty());
        feed(m, unsent(j.frames.back(), net_event::unsent_down));
        CHECK(errors_with(m, "not sent (the connection had just dropped): join #rust; it is sent again") == 1);
        feed(m, unsent(R"({"type":"topic","room":"#lobby","topic":"x"})", net_event::unsent_cut));
        CHECK(errors_with(m, "not sent (the connection dropped before it went out): topic #lobby") == 1);
        m.windows[*find_window(m, "#lobby")].fetching = true;
        feed(m, unsent(R"({"type":"history","room":"#lobby","limit":100})", net_event::unsent_down));
        CHECK_FALSE(m.windows[*find_window(m, "#lobby")].fetching);
        CHECK(errors_with(m, "history #lobby") == 1);
    }
    SUBCASE("registration and keep-alive frames are redone by the next connection: nothing to say") {
        model m = online();
        feed(m, unsent(R"({"type":"hello","version":1,"nick":"alice"})", net_event::unsent_down));
        feed(m, unsent(R"({"type":"pong","token":1})", net_event::unsent_down));
        CHECK(errors_with(m, "not sent") == 0);
    }
}

TEST_CASE("delivery: a refused page request is not waited for; a reconnect forgets pages asked before it") {
    model m = online();
    window& w = m.windows[*find_window(m, "#lobby")];
    w.fetching = true;
    feed(m, R"({"type":"error","code":"rate_limited","message":"x","about":"history"})");
    CHECK_FALSE(m.windows[*find_window(m, "#lobby")].fetching);
    m.windows[*find_window(m, "#lobby")].fetching = true;
    reconnect(m);
    CHECK_FALSE(m.windows[*find_window(m, "#lobby")].fetching);
}

TEST_CASE("delivery: after a reconnect, the pms that came to an open conversation meanwhile are shown") {
    model m = online_pages();
    feed(m, pm(5, "bob", "alice", "hi"));
    feed(m, pm(6, "carol", "alice", "yo"));
    const effects back = reconnect_pages(m);
    CHECK(pages_asked(back) == std::vector<std::string>{"bob", "carol"});
    CHECK_FALSE(settling(m));  // nothing of ours in doubt: only catching up
    feed(m, page("bob", {stored_pm(5, "bob", "alice", "hi"), stored_pm(8, "bob", "alice", "lost in the drop")}, false));
    CHECK(pms_shown(m, "bob", "hi") == 1);
    CHECK(pms_shown(m, "bob", "lost in the drop") == 1);
    // A page asked for later (PgUp) is an older page again, not a catch-up.
    CHECK(m.pages_due.size() == 1);
    feed(m, R"({"type":"error","code":"rate_limited","message":"x","about":"history"})");
    CHECK(m.pages_due.empty());
}
