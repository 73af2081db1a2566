// The real chatd with a store, killed (-9) or stopped in the middle of a flood and started again on
// the same state directory: whatever any client was sent is in history, ids go on where they
// stopped, `since` replays exactly the gap, and no id is handed out twice. Also the faults a disk can
// have while chatd runs (full, taken by another chatd).
#include <doctest/doctest.h>

#include <sys/resource.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "support/chatd_process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace chat::test;
using chat::json;

// Every stored message of `room`, oldest first, read page by page with `history` frames.
std::vector<std::uint64_t> stored_ids(test_client& c, const std::string& room) {
    std::vector<std::uint64_t> ids;
    std::optional<std::uint64_t> before;
    for (int pages = 0; pages < 1000; ++pages) {
        json ask = {{"type", "history"}, {"room", room}, {"limit", 100}};
        if (before) ask["before"] = *before;
        REQUIRE(c.send(ask));
        const json page = c.wait_for("history", deadline_in(10s));
        const auto& msgs = page.at("messages");
        std::vector<std::uint64_t> got;
        for (const auto& m : msgs) {
            CHECK(m.at("history") == true);
            got.push_back(m.at("id").get<std::uint64_t>());
        }
        CHECK(std::is_sorted(got.begin(), got.end()));
        ids.insert(ids.begin(), got.begin(), got.end());
        if (page.at("complete").get<bool>()) return ids;
        REQUIRE(!got.empty());
        before = got.front();
    }
    FAIL("history of " << room << " never said it was complete");
    return ids;
}

// Reads what the server still sends `c` until it closes; adds the message ids to `ids`.
void drain_ids(test_client& c, std::set<std::uint64_t>& ids, test_clock::time_point deadline) {
    while (auto f = c.next_frame(deadline)) {
        if ((*f)["type"] == "message") ids.insert((*f)["id"].get<std::uint64_t>());
    }
}

void restart_keeps_everything(bool crash) {
    temp_dir dir("chat-restart");
    const std::vector<std::string> flags{"--state-dir", dir.path, "--rate", "0", "--history", "5000",
                                         "--sendq", "16777216"};
    std::string instance;
    std::set<std::uint64_t> received;   // by anyone
    std::uint64_t bob_last = 0;         // the highest id bob saw: what a reconnecting bob asks `since`
    constexpr int total = 3000;
    {
        chatd_process srv(flags);
        test_client alice = srv.client();
        instance = alice.hello("alice")["instance"];
        test_client bob = srv.client();
        bob.hello("bob");
        alice.wait_for([](const json& f) { return f["type"] == "join" && f["nick"] == "bob"; }, "bob joining");
        std::string burst;
        for (int i = 1; i <= total; ++i) {
            burst += json{{"type", "say"}, {"room", "#lobby"}, {"text", "flood " + std::to_string(i)}}.dump() + "\n";
        }
        // The first third, then wait for bob to see a few, then the rest while chatd is killed.
        const std::size_t third = burst.size() / 3;
        REQUIRE(alice.send_raw(std::string_view(burst).substr(0, third)));
        std::size_t bob_saw = 0;
        while (bob_saw < 200) {
            const json m = bob.wait_for("message", deadline_in(10s));
            received.insert(m["id"].get<std::uint64_t>());
            bob_last = std::max(bob_last, m["id"].get<std::uint64_t>());
            ++bob_saw;
        }
        if (crash) {
            alice.send_raw(std::string_view(burst).substr(third), deadline_in(2s));
            REQUIRE(srv.terminate(SIGKILL));
        } else {
            REQUIRE(alice.send_raw(std::string_view(burst).substr(third)));
            // Everything said is seen before the clean stop, so everything must come back.
            while (received.size() < static_cast<std::size_t>(total)) {
                const json m = bob.wait_for("message", deadline_in(10s));
                received.insert(m["id"].get<std::uint64_t>());
            }
            REQUIRE(srv.terminate(SIGTERM));
        }
        REQUIRE(srv.wait_exit(deadline_in(10s)));
        std::set<std::uint64_t> bob_rest;
        drain_ids(bob, bob_rest, deadline_in(5s));
        drain_ids(alice, received, deadline_in(5s));
        received.insert(bob_rest.begin(), bob_rest.end());
        if (!crash) CHECK(received.size() == static_cast<std::size_t>(total));
    }
    REQUIRE(!received.empty());

    chatd_process again(flags);
    test_client carol = again.client();
    CHECK(carol.hello("carol")["instance"] == instance);
    const auto stored = stored_ids(carol, "#lobby");
    const std::set<std::uint64_t> stored_set(stored.begin(), stored.end());
    CHECK(stored_set.size() == stored.size());  // no id twice
    for (const auto id : received) {
        if (!stored_set.contains(id)) FAIL_CHECK("message " << id << " was received but is not in the store");
    }
    MESSAGE((crash ? "kill -9: " : "SIGTERM: ") << received.size() << " received, " << stored.size() << " stored");
    if (!crash) CHECK(stored.size() == static_cast<std::size_t>(total));

    // Ids go on after the highest stored.
    REQUIRE(carol.say("#lobby", "after the restart"));
    const json next = carol.wait_for([](const json& f) { return f["type"] == "message" && f["history"] == false; },
                                     "carol's own message");
    CHECK(next["id"].get<std::uint64_t>() > stored.back());

    // bob comes back asking for what he missed: exactly the stored messages after his last, then
    // carol's, each once.
    test_client bob = again.client();
    bob.hello("bob");
    const json first = bob.wait_for("joined");
    for (std::size_t i = 0; i < first["history"].get<std::size_t>(); ++i) bob.wait_for("message", deadline_in(10s));
    REQUIRE(bob.send(json{{"type", "join"}, {"room", "#lobby"}, {"since", bob_last}}));
    const json joined = bob.wait_for("joined");
    std::vector<std::uint64_t> replay;
    for (std::size_t i = 0; i < joined["history"].get<std::size_t>(); ++i) {
        replay.push_back(bob.wait_for("message", deadline_in(10s))["id"].get<std::uint64_t>());
    }
    std::vector<std::uint64_t> want;
    for (const auto id : stored) {
        if (id > bob_last) want.push_back(id);
    }
    want.push_back(next["id"].get<std::uint64_t>());
    CHECK(replay == want);
}

}  // namespace

TEST_CASE("restart: kill -9 in the middle of a flood loses nothing anyone received, and ids go on") {
    restart_keeps_everything(true);
}

TEST_CASE("restart: a clean stop in the middle of a flood keeps every message") { restart_keeps_everything(false); }

TEST_CASE("restart: a second chatd on the same state directory refuses to start and says why") {
    temp_dir dir("chat-restart");
    chatd_process first({"--state-dir", dir.path});
    child_process second({chatd_process::binary(), "--bind", "127.0.0.1", "--port", "0", "--state-dir", dir.path});
    const auto st = second.wait_exit(deadline_in(10s));
    REQUIRE(st);
    CHECK(exit_code(*st) == 1);
    test_client c = first.client();
    CHECK(c.hello("still")["store"] == "disk");
}

TEST_CASE("restart: a full disk keeps chatd relaying memory-only, says so, and stores the wait once it frees") {
    temp_dir dir("chat-restart");
    spawn_options opts;
    opts.fsize = 96 * 1024;  // a few dozen pages: the database and its log fill up soon
    chatd_process srv({"--state-dir", dir.path, "--rate", "0"}, opts);
    test_client alice = srv.client();
    CHECK(alice.hello("alice")["store"] == "disk");
    const std::string big(3000, 'x');
    int said = 0;
    while (said < 400 && !srv.find_log("relaying memory-only", deadline_in(0s))) {
        REQUIRE(alice.say("#lobby", big + std::to_string(++said)));
        alice.wait_for("message");
    }
    srv.wait_for_log("relaying memory-only", deadline_in(5s));
    CHECK(srv.output().find("check the disk") != std::string::npos);
    // Still relaying, and saying so to whoever arrives.
    test_client bob = srv.client();
    CHECK(bob.hello("bob")["store"] == "failing");
    REQUIRE(alice.say("#lobby", "still here"));
    CHECK(bob.wait_for([](const json& f) { return f["type"] == "message" && f["history"] == false; }, "a live message")
              ["text"] == "still here");
    // Space comes back: the retry stores what waited.
    const rlimit more{RLIM_INFINITY, RLIM_INFINITY};
    REQUIRE(::prlimit(srv.pid(), RLIMIT_FSIZE, &more, nullptr) == 0);
    srv.wait_for_log("is written again", deadline_in(10s));
    test_client carol = srv.client();
    CHECK(carol.hello("carol")["store"] == "disk");
    REQUIRE(carol.send(json{{"type", "search"}, {"words", "still here"}}));
    const json found = carol.wait_for("search");
    REQUIRE(found["results"].size() == 1);
    CHECK(found["results"][0]["text"] == "still here");
}

TEST_CASE("restart: a room with history outlives its last member: listed by rooms as stored, before and after a restart") {
    temp_dir dir("chat-restart");
    const std::vector<std::string> flags{"--state-dir", dir.path, "--rate", "0"};
    auto attic = [](test_client& c) {
        REQUIRE(c.send(json{{"type", "rooms"}}));
        const json answer = c.wait_for("rooms");
        for (const auto& r : answer.value("rooms", json::array())) {
            if (r.value("name", "") == "#Attic") return r;
        }
        return json();
    };
    {
        chatd_process srv(flags);
        test_client alice = srv.client();
        const json w = alice.hello("alice");
        CHECK(std::find(w["features"].begin(), w["features"].end(), "stored_rooms") != w["features"].end());
        REQUIRE(alice.send(json{{"type", "join"}, {"room", "#Attic"}}));
        alice.wait_for("joined");
        CHECK(attic(alice).value("members", -1) == 1);
        CHECK(!attic(alice).contains("stored"));
        REQUIRE(alice.say("#attic", "dusty"));
        alice.wait_for("message");
        REQUIRE(alice.send(json{{"type", "part"}, {"room", "#attic"}}));
        alice.wait_for("part");
        const json kept = attic(alice);
        CHECK(kept.value("members", -1) == 0);
        CHECK(kept.value("stored", false));
    }
    chatd_process srv(flags);
    test_client bob = srv.client();
    bob.hello("bob");
    const json kept = attic(bob);
    CHECK(kept.value("members", -1) == 0);
    CHECK(kept.value("stored", false));
    // Joining it brings its history back.
    REQUIRE(bob.send(json{{"type", "join"}, {"room", "#attic"}}));
    CHECK(bob.wait_for("joined")["history"] == 1);
    CHECK(bob.wait_for("message")["text"] == "dusty");
}
