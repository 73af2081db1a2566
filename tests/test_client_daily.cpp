// A daily user's habits in the model: activity levels, notifications, ignore, away, and the lines
// that go to the logs on disk.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "chat_log.hpp"
#include "completion.hpp"
#include "layout.hpp"
#include "notify.hpp"
#include "protocol.hpp"
#include "support/model_feed.hpp"
#include "update.hpp"
#include "windows.hpp"

using namespace chat::client;
using chat::client::testing::feed;

namespace {

effects type(model& m, const std::string& line) {
    effects fx;
    on_submit(m, line, fx);
    return fx;
}

std::string msg(int id, const std::string& room, const std::string& from, const std::string& text) {
    return R"({"type":"message","id":)" + std::to_string(id) + R"(,"room":")" + room + R"(","from":")" + from +
           R"(","ts":1764079200000,"text":")" + text + R"(","action":false,"history":false})";
}

std::string pm(int id, const std::string& from, const std::string& to, const std::string& text) {
    return R"({"type":"pm","id":)" + std::to_string(id) + R"(,"from":")" + from + R"(","to":")" + to +
           R"(","ts":1764079200000,"text":")" + text + R"(","action":false})";
}

// Connected as alice, in #lobby and #rust (current: #lobby), on a server with the away feature.
model online() {
    model m;
    m.wanted_nick = "alice";
    net_event ev;
    ev.what = net_event::kind::connected;
    effects fx;
    on_event(m, ev, fx);
    feed(m, R"({"type":"welcome","version":1,"nick":"alice","server":"chatd 1.0.0","instance":"i","default_room":"#lobby","limits":{},"features":["away"]})");
    feed(m, R"({"type":"joined","room":"#lobby","topic":"","members":["bob","alice"]})");
    feed(m, R"({"type":"joined","room":"#rust","topic":"","members":["bob","alice","carol"]})");
    switch_to(m, 1);
    switch_to(m, 0);
    m.to_log.clear();
    return m;
}

window& win(model& m, const std::string& name) {
    auto i = find_window(m, name);
    REQUIRE_MESSAGE(i, "no window " << name);
    return m.windows[*i];
}

bool shows(const window& w, const std::string& text) {
    for (const auto& l : w.lines) {
        if (l.text.find(text) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("activity: a window's level is its most important unseen line, and looking clears it") {
    model m = online();
    window& rust = win(m, "#rust");
    CHECK(rust.act == activity::none);
    feed(m, R"({"type":"join","room":"#rust","nick":"dave","ts":1764079200000})");
    CHECK(rust.act == activity::notice);
    feed(m, msg(10, "#rust", "bob", "hello"));
    CHECK(rust.act == activity::message);
    feed(m, msg(11, "#rust", "bob", "ALICE: look"));
    CHECK(rust.act == activity::mention);
    feed(m, msg(12, "#rust", "bob", "later"));
    CHECK(rust.act == activity::mention);  // never lowered by a lesser line
    // The status bar colours the window by its level.
    bool coloured = false;
    for (const auto& r : status_line(m, 200).left) coloured |= r.text.find("#rust") != std::string::npos && r.look == style::act_mention;
    CHECK(coloured);
    switch_to(m, 1);
    CHECK(win(m, "#rust").act == activity::none);
    switch_to(m, 0);
    feed(m, pm(13, "bob", "alice", "psst"));
    CHECK(win(m, "bob").act == activity::private_msg);
    // A highlight word from the config counts as a mention.
    m.cfg.highlights = {"deploy"};
    feed(m, msg(14, "#rust", "carol", "the deploy is done"));
    CHECK(win(m, "#rust").act == activity::mention);
}

TEST_CASE("notify: levels choose which lines ring; the bytes are a bell and OSC 777/9, through tmux") {
    model m = online();
    feed(m, msg(10, "#rust", "bob", "hi all"));
    CHECK(m.alerts.empty());                     // default level: mention
    feed(m, msg(11, "#rust", "bob", "alice: ping"));
    REQUIRE(m.alerts.size() == 1);
    CHECK(m.alerts[0].title == "chat: #rust");
    CHECK(m.alerts[0].body == "<bob> alice: ping");
    const std::string out = take_alerts(m, false);
    CHECK(m.alerts.empty());
    CHECK(out.find("\x1b]777;notify;chat: #rust;<bob> alice: ping\x1b\\") != std::string::npos);
    CHECK(out.find("\x1b]9;chat: #rust: <bob> alice: ping\x1b\\") != std::string::npos);
    CHECK(out.back() == '\a');
    // Inside tmux the OSCs go through its passthrough, every ESC doubled.
    const std::string tm = alert_bytes(alert{"t", "b"}, true, true, true);
    CHECK(tm.starts_with("\x1bPtmux;\x1b\x1b]777;notify;t;b\x1b\x1b\\\x1b\\"));

    type(m, "/notify private");
    CHECK(m.cfg.notify == notify_level::private_only);
    feed(m, msg(12, "#rust", "bob", "alice: again"));
    CHECK(m.alerts.empty());
    feed(m, pm(13, "bob", "alice", "psst"));
    CHECK(m.alerts.size() == 1);
    take_alerts(m, false);
    type(m, "/notify all");
    feed(m, msg(14, "#lobby", "bob", "anything"));
    CHECK(m.alerts.size() == 1);
    type(m, "/notify off");
    take_alerts(m, false);
    feed(m, pm(15, "bob", "alice", "psst"));
    CHECK(m.alerts.empty());
    // Our own lines never ring; a flood is capped and counted.
    type(m, "/notify all");
    feed(m, msg(16, "#lobby", "alice", "mine"));
    CHECK(m.alerts.empty());
    for (int i = 0; i < 50; ++i) feed(m, msg(100 + i, "#lobby", "bob", "x"));
    CHECK(m.alerts.size() == 8);
    CHECK(m.alerts_more == 42);
    const std::string many = take_alerts(m, false);
    CHECK(many.find("42 more") != std::string::npos);
    CHECK(std::count(many.begin(), many.end(), '\a') == 1);
}

TEST_CASE("notify: a mention while scrolled back is flagged in the status bar until the end is seen") {
    model m = online();
    for (int i = 0; i < 60; ++i) feed(m, msg(10 + i, "#lobby", "bob", "line " + std::to_string(i)));
    scroll_by(m, 20, 80, 10);
    REQUIRE(current_window(m).scroll > 0);
    feed(m, msg(100, "#lobby", "bob", "alice: are you there"));
    CHECK(current_window(m).mention_below);
    std::string bar;
    for (const auto& r : status_line(m, 200).left) bar += r.text;
    CHECK(bar.find("(you were named!)") != std::string::npos);
    scroll_to_end(current_window(m));
    CHECK_FALSE(current_window(m).mention_below);
}

TEST_CASE("ignore: an ignored nick's messages and private messages are hidden; unignore shows them again") {
    model m = online();
    type(m, "/ignore Bob");
    CHECK(m.cfg.ignore == std::vector<std::string>{"Bob"});
    feed(m, msg(10, "#lobby", "bob", "spam"));
    feed(m, pm(11, "bob", "alice", "spam pm"));
    CHECK_FALSE(shows(win(m, "#lobby"), "spam"));
    CHECK_FALSE(find_window(m, "bob"));  // no conversation window opens
    CHECK(m.alerts.empty());
    feed(m, msg(12, "#lobby", "carol", "not spam"));
    CHECK(shows(win(m, "#lobby"), "not spam"));
    type(m, "/ignore");
    CHECK(shows(win(m, "#lobby"), "ignored: Bob"));
    type(m, "/unignore bob");
    CHECK(m.cfg.ignore.empty());
    feed(m, msg(13, "#lobby", "bob", "back again"));
    CHECK(shows(win(m, "#lobby"), "back again"));
    type(m, "/unignore bob");
    CHECK(shows(win(m, "#lobby"), "bob is not ignored"));
    type(m, "/ignore bad nick");
    CHECK(m.cfg.ignore.empty());
}

TEST_CASE("away: /away sends the reason, /back clears it; a sender hears the reason in the conversation") {
    model m = online();
    auto fx = type(m, "/away lunch");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == "{\"reason\":\"lunch\",\"type\":\"away\"}\n");
    feed(m, R"({"type":"away","nick":"alice","away":true,"reason":"lunch","ts":1})");
    CHECK(m.away == "lunch");
    std::string bar;
    for (const auto& r : status_line(m, 200).left) bar += r.text;
    CHECK(bar.find("alice (away)") != std::string::npos);
    fx = type(m, "/back");
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0] == "{\"type\":\"away\"}\n");
    feed(m, R"({"type":"away","nick":"alice","away":false,"reason":"","ts":2})");
    CHECK(m.away.empty());

    type(m, "/msg bob hi");
    feed(m, pm(20, "alice", "bob", "hi"));
    feed(m, R"({"type":"away","nick":"bob","away":true,"reason":"in a meeting","ts":3})");
    CHECK(shows(win(m, "bob"), "bob is away: in a meeting"));

    feed(m, R"({"type":"who","room":"#rust","members":["alice","bob"],"away":{"bob":"in a meeting"}})");
    CHECK(shows(current_window(m), "bob (away: in a meeting)"));

    // A server without the feature: said at once, nothing sent.
    m.features.clear();
    fx = type(m, "/away x");
    CHECK(fx.frames.empty());
    CHECK(shows(current_window(m), "does not know away"));
}

TEST_CASE("logs: live lines go to their window's file with date and time; history and local lines do not") {
    model m = online();
    feed(m, msg(10, "#rust", "bob", "to the log"));
    feed(m, R"({"type":"message","id":5,"room":"#lobby","from":"bob","ts":1764079200000,"text":"old","action":false,"history":true})");
    feed(m, pm(11, "bob", "alice", "secret"));
    add_info(m, "local help text");
    REQUIRE(m.to_log.size() == 2);
    CHECK(m.to_log[0].window == "#rust");
    CHECK(m.to_log[1].window == "bob");  // a pm once, in its conversation's log

    char dir[] = "/tmp/chat-log-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    {
        chat_log logs(dir, "127.0.0.1:7667", 4096);
        std::string error;
        for (const auto& p : m.to_log) REQUIRE_MESSAGE(logs.write(p, error), error);
        // Past the cap, the log moves to .log.1 and a new one starts: bounded on disk.
        for (int i = 0; i < 200; ++i) REQUIRE(logs.write(m.to_log[0], error));
        logs.flush();
        CHECK(logs.path_of("#Rust") == std::string(dir) + "/127.0.0.1:7667/#rust.log");
    }
    std::ifstream in(std::string(dir) + "/127.0.0.1:7667/bob.log");
    std::string line;
    REQUIRE(std::getline(in, line));
    CHECK(line.size() > 20);
    CHECK(line.substr(4, 1) == "-");  // 2025-11-25 ...
    CHECK(line.ends_with(" <bob> secret"));
    std::ifstream rotated(std::string(dir) + "/127.0.0.1:7667/#rust.log.1");
    CHECK(rotated.good());
    CHECK(file_component("../../etc") == "_.._.._etc");
    CHECK(file_component("") == "_");
    std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST_CASE("completion: commands at the start, rooms after '#', nicks by who spoke last; Tab cycles") {
    model m = online();
    switch_to(m, 1);  // #rust: bob and carol
    feed(m, msg(10, "#rust", "carol", "first"));
    feed(m, msg(11, "#rust", "bob", "second"));
    auto nicks = completion_candidates(m, "", false);
    REQUIRE(nicks.size() >= 2);
    CHECK(nicks[0] == "bob");    // spoke last
    CHECK(nicks[1] == "carol");
    for (const char* s : {"/j", "o"}) {
        for (const char* p = s; *p != 0; ++p) m.input.insert(static_cast<char32_t>(*p));
    }
    complete_input(m);
    CHECK(m.input.utf8() == "/join ");
    m.input.insert(U'#');
    complete_input(m);
    const std::string first = m.input.utf8();
    complete_input(m);
    const std::string second = m.input.utf8();
    CHECK(first != second);
    CHECK((first == "/join #rust " || first == "/join #lobby "));
    CHECK((second == "/join #rust " || second == "/join #lobby "));
    m.input.submit();
    m.input.insert(U'c');
    complete_input(m);
    CHECK(m.input.utf8() == "carol: ");
}
