// The message store on disk, directly and through the dispatcher: what survives a restart (instance,
// ids, rooms, topics, room and private history), paging, search, retention and disk faults.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "dispatcher.hpp"
#include "protocol.hpp"
#include "store_sqlite.hpp"
#include "support/temp_dir.hpp"

namespace {

using chat::json;
namespace fs = std::filesystem;

struct opened {
    std::unique_ptr<chat::store> st;
    std::vector<std::string> log;
};

// Opens a store in `dir`, collecting its log lines.
std::unique_ptr<chat::store> open_store(const std::string& dir, std::vector<std::string>* log = nullptr,
                                        chat::sqlite_settings s = {}) {
    s.dir = dir;
    chat::store_refused refused;
    auto st = chat::open_sqlite_store(s, [log](const std::string& line) { if (log) log->push_back(line); }, refused);
    REQUIRE_MESSAGE(st, "refused: " << refused.message);
    return st;
}

chat::stored_message say(std::uint64_t id, const std::string& room, const std::string& from, const std::string& text) {
    return {id, room, from, {}, 1764079200000 + static_cast<std::int64_t>(id), text, false};
}

chat::stored_message pm(std::uint64_t id, const std::string& from, const std::string& to, const std::string& text) {
    return {id, {}, from, to, 1764079200000 + static_cast<std::int64_t>(id), text, false};
}

bool mentions(const std::vector<std::string>& log, const std::string& text) {
    for (const auto& l : log) {
        if (l.find(text) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("store: instance, ids, rooms, topics and messages survive closing and opening again") {
    temp_dir dir("chat-store");
    {
        auto st = open_store(dir.path);
        CHECK(std::string(st->state()) == "disk");
        CHECK(st->instance().empty());
        CHECK(st->last_id() == 0);
        st->set_instance("abcdef0123456789");
        for (std::uint64_t id = 1; id <= 250; ++id) st->append(say(id, "#Rust", "alice", "line " + std::to_string(id)));
        st->append(pm(251, "alice", "Bob", "psst secret"));
        st->set_topic({"#Rust", "borrowck", "alice", 42});
        st->commit();
    }
    struct stat info {};
    REQUIRE(::stat((dir.path + "/chatd.db").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    auto st = open_store(dir.path);
    CHECK(st->instance() == "abcdef0123456789");
    CHECK(st->last_id() == 251);
    chat::stored_room r;
    REQUIRE(st->find_room("#rust", r));
    CHECK(r.name == "#Rust");
    CHECK(r.topic == "borrowck");
    CHECK(r.topic_by == "alice");
    CHECK(r.topic_ts == 42);

    const auto recent = st->recent("#RUST", 100);
    REQUIRE(recent.size() == 100);
    CHECK(recent.front().id == 151);
    CHECK(recent.back().id == 250);

    // Pages walk back to the start, oldest first within each page, and say when they reach it.
    std::uint64_t before = 251;
    std::vector<std::uint64_t> seen;
    for (int pages = 0; pages < 10; ++pages) {
        auto p = st->room_page("#rust", before, 100);
        REQUIRE(p.available);
        REQUIRE(!p.messages.empty());
        CHECK(p.messages.front().id < p.messages.back().id);
        for (auto it = p.messages.rbegin(); it != p.messages.rend(); ++it) seen.push_back(it->id);
        before = p.messages.front().id;
        if (p.complete) break;
    }
    REQUIRE(seen.size() == 250);
    CHECK(seen.front() == 250);
    CHECK(seen.back() == 1);
    CHECK(st->room_page("#rust", 1, 100).complete);

    // A private conversation is one history, whichever way round it is asked for.
    const auto a = st->pm_page("bob", "ALICE", 1000, 10);
    REQUIRE(a.messages.size() == 1);
    CHECK(a.messages[0].text == "psst secret");
    CHECK(a.messages[0].to == "Bob");
    CHECK(st->pm_page("carol", "alice", 1000, 10).messages.empty());
}

TEST_CASE("store: owned nicks survive closing and opening again") {
    temp_dir dir("chat-store");
    const std::string key = "SHA256:" + std::string(43, 'K');
    {
        auto st = open_store(dir.path);
        CHECK(st->nick_owner("alice").empty());
        st->own_nick("Alice", key);
        st->commit();
    }
    auto st = open_store(dir.path);
    CHECK(st->nick_owner("ALICE") == key);
    CHECK(st->nicks_owned(key) == 1);
    CHECK(st->nick_owner("bob").empty());
}

TEST_CASE("store: offline private messages survive closing and opening until taken, then never come back") {
    temp_dir dir("chat-store");
    {
        auto st = open_store(dir.path);
        st->offline_put(pm(5, "bob", "Alice", "first"));
        st->offline_put(pm(7, "carol", "alice", "second"));
        st->offline_put(pm(8, "bob", "dave", "for dave"));
        st->commit();
    }
    {
        auto st = open_store(dir.path);
        CHECK(st->offline_total() == 3);
        CHECK(st->offline_waiting("ALICE").count == 2);
        CHECK(st->offline_waiting("ALICE").bytes == 11);
        // Put and taken in the same turn: written and deleted in one commit.
        st->offline_put(pm(9, "bob", "erin", "gone at once"));
        CHECK(st->offline_take("erin").size() == 1);
        const auto got = st->offline_take("alice");
        REQUIRE(got.size() == 2);
        CHECK(got[0].id == 5);
        CHECK(got[0].from == "bob");
        CHECK(got[0].to == "Alice");
        CHECK(got[0].text == "first");
        CHECK(got[0].ts == 1764079200005);
        CHECK(got[1].id == 7);
        CHECK(st->offline_take("alice").empty());
        st->commit();
    }
    auto st = open_store(dir.path);
    CHECK(st->offline_take("alice").empty());
    CHECK(st->offline_take("erin").empty());
    CHECK(st->offline_total() == 1);
    CHECK(st->offline_take("Dave").size() == 1);
}

TEST_CASE("store: search finds words in rooms and in the asker's own private messages only") {
    temp_dir dir("chat-store");
    auto st = open_store(dir.path);
    st->append(say(1, "#lobby", "alice", "the Zebra crossing"));
    st->append(say(2, "#rust", "bob", "zebras and lifetimes"));
    st->append(say(3, "#rust", "bob", "nothing here"));
    st->append(pm(4, "alice", "bob", "zebra for bob only"));
    st->commit();

    auto ids = [](const std::vector<chat::stored_message>& v) {
        std::vector<std::uint64_t> out;
        for (const auto& m : v) out.push_back(m.id);
        return out;
    };
    CHECK(ids(st->search("zebra", "", "carol", 10)) == std::vector<std::uint64_t>{2, 1});
    CHECK(ids(st->search("ZEBRA", "", "Bob", 10)) == std::vector<std::uint64_t>{4, 2, 1});
    CHECK(ids(st->search("zebra", "#RUST", "bob", 10)) == std::vector<std::uint64_t>{2});
    CHECK(ids(st->search("zebra crossing", "", "x", 10)) == std::vector<std::uint64_t>{1});
    CHECK(ids(st->search("zebra", "", "bob", 1)) == std::vector<std::uint64_t>{4});
    // Punctuation never reaches FTS5's query syntax.
    CHECK(ids(st->search("\"zebra\" * (^", "", "x", 10)).size() == 2);
    CHECK(st->search("!!!", "", "x", 10).empty());
}

TEST_CASE("store: a second chatd on the same state directory is refused with the holder's pid") {
    temp_dir dir("chat-store");
    auto first = open_store(dir.path);
    chat::sqlite_settings s;
    s.dir = dir.path;
    chat::store_refused refused;
    auto second = chat::open_sqlite_store(s, {}, refused);
    CHECK(second == nullptr);
    CHECK(refused.message.find("another chatd (pid " + std::to_string(::getpid()) + ")") != std::string::npos);
    CHECK(refused.message.find(dir.path) != std::string::npos);
}

TEST_CASE("store: a missing state directory is made with mode 0700") {
    temp_dir dir("chat-store");
    const std::string where = dir.path + "/a/b/chatd";
    auto st = open_store(where);
    CHECK(std::string(st->state()) == "disk");
    struct stat info {};
    REQUIRE(::stat(where.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
}

TEST_CASE("store: a state directory that cannot be made leaves the store memory-only, logged once, retried") {
    temp_dir dir("chat-store");
    const std::string file = dir.path + "/plain-file";
    std::ofstream(file) << "x";
    std::vector<std::string> log;
    auto st = open_store(file + "/chatd", &log);
    CHECK(std::string(st->state()) == "failing");
    REQUIRE(log.size() == 1);
    CHECK(mentions(log, "relaying memory-only"));
    CHECK(mentions(log, "plain-file"));
    // Ids start above anything a database could hold, so they never repeat a stored one.
    CHECK(st->last_id() > 1'000'000'000'000'000ull);
    st->append(say(st->last_id() + 1, "#lobby", "alice", "kept for the disk"));
    st->commit();
    CHECK_FALSE(st->room_page("#lobby", UINT64_MAX, 10).available);

    // The directory becomes possible: the next retry opens the store and writes what waited.
    fs::remove(file);
    st->tick(chat::now_ms() + 10'000);
    CHECK(std::string(st->state()) == "disk");
    CHECK(log.size() == 2);
    CHECK(mentions(log, "1 waiting messages stored"));
    const auto page = st->room_page("#lobby", UINT64_MAX, 10);
    REQUIRE(page.messages.size() == 1);
    CHECK(page.messages[0].text == "kept for the disk");
}

TEST_CASE("store: a corrupt database at start is reported with what to do, never a crash") {
    temp_dir dir("chat-store");
    std::ofstream(dir.path + "/chatd.db") << std::string(8192, 'G');
    std::vector<std::string> log;
    auto st = open_store(dir.path, &log);
    CHECK(std::string(st->state()) == "failing");
    REQUIRE(log.size() == 1);
    CHECK(mentions(log, "not a database"));
    CHECK(mentions(log, "move chatd.db aside"));
    // Retries find it still corrupt and say nothing more.
    st->tick(chat::now_ms() + 10'000);
    CHECK(log.size() == 1);
    CHECK(st->search("x", "", "x", 10).empty());
}

TEST_CASE("store: another process holding the database's write lock makes writes wait in memory, then land") {
    temp_dir dir("chat-store");
    std::vector<std::string> log;
    auto st = open_store(dir.path, &log);
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open((dir.path + "/chatd.db").c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    st->append(say(1, "#lobby", "alice", "while locked"));
    st->commit();
    CHECK(std::string(st->state()) == "failing");
    CHECK(mentions(log, "stop the other program"));
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    st->tick(chat::now_ms() + 10'000);
    CHECK(std::string(st->state()) == "disk");
    CHECK(st->room_page("#lobby", 100, 10).messages.size() == 1);
}

TEST_CASE("store: --retain-messages prunes each conversation in small steps down to its bound") {
    temp_dir dir("chat-store");
    chat::sqlite_settings s;
    s.retain_messages = 10;
    auto st = open_store(dir.path, nullptr, s);
    std::uint64_t id = 0;
    for (int i = 0; i < 1200; ++i) st->append(say(++id, "#big", "a", "m"));
    for (int i = 0; i < 5; ++i) st->append(say(++id, "#small", "a", "m"));
    for (int i = 0; i < 30; ++i) st->append(pm(++id, "a", "b", "m"));
    st->commit();
    // One step deletes at most 500 rows, so the loop is never stalled for long.
    CHECK(st->tick(chat::now_ms()));
    const auto first = st->room_page("#big", 502, 100);
    REQUIRE(first.messages.size() == 1);
    CHECK(first.messages[0].id == 501);
    CHECK(first.complete);
    for (int i = 0; i < 20; ++i) st->tick(chat::now_ms());
    CHECK(st->room_page("#big", UINT64_MAX, 100).messages.size() == 10);
    CHECK(st->room_page("#big", UINT64_MAX, 100).messages.back().id == 1200);
    CHECK(st->room_page("#small", UINT64_MAX, 100).messages.size() == 5);
    CHECK(st->pm_page("a", "b", UINT64_MAX, 100).messages.size() == 10);
    CHECK(st->search("m", "", "a", 50).size() == 25);  // the index forgets pruned rows too
}

// Runs FTS5's own check of the search index, from another connection; `against_messages`: also that
// it holds exactly the stored messages (true only once all are indexed).
bool index_consistent(const std::string& dir, std::int64_t& indexed_upto, bool against_messages = false) {
    sqlite3* db = nullptr;
    const char* check = against_messages ? "INSERT INTO messages_fts(messages_fts, rank) VALUES('integrity-check', 1)"
                                         : "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')";
    bool ok = sqlite3_open((dir + "/chatd.db").c_str(), &db) == SQLITE_OK &&
              sqlite3_exec(db, check, nullptr, nullptr, nullptr) == SQLITE_OK;
    indexed_upto = -1;
    sqlite3_exec(
        db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto'",
        [](void* out, int, char** v, char**) {
            *static_cast<std::int64_t*>(out) = v[0] != nullptr ? std::atoll(v[0]) : -1;
            return 0;
        },
        &indexed_upto, nullptr);
    sqlite3_close(db);
    return ok;
}

TEST_CASE("store: search indexes in the background; the unindexed newest messages are found all the same") {
    temp_dir dir("chat-store");
    std::uint64_t id = 0;
    {
        chat::sqlite_settings s;
        s.retain_messages = 1000;
        auto st = open_store(dir.path, nullptr, s);
        for (int i = 0; i < 2500; ++i) st->append(say(++id, "#big", "a", i % 100 == 0 ? "needle " + std::to_string(i) : "hay"));
        st->append(pm(++id, "a", "b", "needle in a pm"));
        st->commit();
        std::int64_t upto = 0;
        REQUIRE(index_consistent(dir.path, upto));
        CHECK(upto == 0);  // nothing indexed by the commit itself: the fan-out path does not pay for it
        // Found by reading the unindexed tail: newest first, prefix of a word, case folded.
        auto found = st->search("NEED", "", "b", 50);
        REQUIRE(found.size() == 26);
        CHECK(found.front().id == id);
        CHECK(found[1].text == "needle 2400");
        CHECK(st->search("eedle", "", "b", 50).empty());  // the start of a word, as the index answers
        CHECK(st->search("needle", "#big", "b", 50).size() == 25);
        CHECK(st->search("needle", "", "carol", 50).size() == 25);  // not someone else's pm
        // Background steps: a batch each, more waiting until all are in.
        CHECK(st->tick(chat::now_ms()));
        REQUIRE(index_consistent(dir.path, upto));
        CHECK(upto == 100);  // a background step is a hundred messages: half a millisecond of the loop
        // Partly indexed, partly not: one answer, nothing twice (the step also pruned ids 1-500).
        found = st->search("needle", "", "b", 50);
        CHECK(found.size() == 21);
        for (std::size_t i = 1; i < found.size(); ++i) CHECK(found[i].id < found[i - 1].id);
        for (int i = 0; i < 30; ++i) st->tick(chat::now_ms());
        // Retention deleted indexed and unindexed rows alike; the index stays exact.
        REQUIRE(index_consistent(dir.path, upto, true));
        CHECK(upto == static_cast<std::int64_t>(id));
        CHECK(st->search("needle", "", "b", 50).size() == 11);  // #big keeps its last 1000: 1500..2400, and the pm
    }
    // A restart goes on from where indexing stopped.
    auto st = open_store(dir.path);
    st->append(say(++id, "#big", "a", "needle after restart"));
    st->commit();
    CHECK(st->search("needle", "#big", "a", 1).front().id == id);
    st->tick(chat::now_ms());
    std::int64_t upto = 0;
    REQUIRE(index_consistent(dir.path, upto, true));
    CHECK(upto == static_cast<std::int64_t>(id));
}

TEST_CASE("store: a database of schema 1 (indexed by a trigger) is migrated and keeps every message searchable") {
    temp_dir dir("chat-store");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path + "/chatd.db").c_str(), &db) == SQLITE_OK);
    // Schema 1 as the first store wrote it.
    REQUIRE(sqlite3_exec(db,
                         "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
                         "CREATE TABLE rooms(key TEXT PRIMARY KEY, name TEXT NOT NULL, topic TEXT NOT NULL, "
                         "  topic_by TEXT NOT NULL, topic_ts INTEGER NOT NULL) WITHOUT ROWID;"
                         "CREATE TABLE messages(id INTEGER PRIMARY KEY, conv TEXT NOT NULL, room TEXT NOT NULL, "
                         "  sender TEXT NOT NULL, recipient TEXT NOT NULL, ts INTEGER NOT NULL, text TEXT NOT NULL, "
                         "  action INTEGER NOT NULL);"
                         "CREATE INDEX messages_conv ON messages(conv, id);"
                         "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', "
                         "  tokenize='unicode61');"
                         "CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN "
                         "  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END;"
                         "CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN "
                         "  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END;"
                         "INSERT INTO meta VALUES('instance', 'old-instance'), ('last_id', 2);"
                         "INSERT INTO messages VALUES(1, '#lobby', '#lobby', 'alice', '', 1, 'before the upgrade', 0);"
                         "INSERT INTO messages VALUES(2, '#lobby', '#lobby', 'alice', '', 2, 'upgrade day', 0);"
                         "PRAGMA user_version=1;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto st = open_store(dir.path);
    CHECK(st->instance() == "old-instance");
    CHECK(st->search("upgrade", "", "x", 10).size() == 2);  // indexed by schema 1's trigger
    st->append(say(3, "#lobby", "bob", "after the upgrade"));
    st->commit();
    CHECK(st->search("upgrade", "", "x", 10).size() == 3);  // read from the unindexed tail
    st->tick(chat::now_ms());
    std::int64_t upto = 0;
    REQUIRE(index_consistent(dir.path, upto, true));
    CHECK(upto == 3);
    CHECK(st->search("upgrade", "", "x", 10).size() == 3);
}

TEST_CASE("store: a flood that never leaves the loop idle is indexed by the commits themselves") {
    temp_dir dir("chat-store");
    auto st = open_store(dir.path);
    std::uint64_t id = 0;
    for (int turn = 0; turn < 100; ++turn) {
        for (int i = 0; i < 100; ++i) {
            ++id;
            st->append(say(id, "#lobby", "a", "word" + std::to_string(id)));
        }
        st->commit();
    }
    std::int64_t upto = 0;
    REQUIRE(index_consistent(dir.path, upto));
    CHECK(upto > 0);
    CHECK(static_cast<std::int64_t>(id) - upto <= 5000);  // the unindexed tail a search reads stays short
    CHECK(st->search("word1", "", "a", 5).size() == 5);
}

TEST_CASE("store: --retain-days deletes what is older") {
    temp_dir dir("chat-store");
    chat::sqlite_settings s;
    s.retain_days = 1;
    auto st = open_store(dir.path, nullptr, s);
    const std::int64_t now = chat::now_ms();
    st->append({1, "#lobby", "a", {}, now - 3 * 86'400'000, "old", false});
    st->append({2, "#lobby", "a", {}, now - 1000, "new", false});
    st->commit();
    st->tick(now);
    const auto page = st->room_page("#lobby", UINT64_MAX, 10);
    REQUIRE(page.messages.size() == 1);
    CHECK(page.messages[0].text == "new");
}

namespace {

long long size_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

}  // namespace

TEST_CASE("store: the write-ahead log is copied into the database off the loop when tick() asks, not by a turn's commit, and by the commit once at its bound") {
    temp_dir dir("chat-store");
    chat::sqlite_settings s;
    s.checkpoint_pages = 50;
    s.max_wal_pages = 400;
    auto st = open_store(dir.path, nullptr, s);
    const std::string db = dir.path + "/chatd.db";
    const std::string text(1000, 'x');
    std::uint64_t id = 0;
    auto turns = [&](int n) {
        for (int turn = 0; turn < n; ++turn) {
            for (int i = 0; i < 20; ++i) st->append(say(++id, "#lobby", "a", text));
            st->commit();
        }
    };
    turns(10);  // 200 KB: some 60 pages past the mark
    const long long before = size_of(db);
    CHECK(before < 100'000);  // all in the log: no commit checkpointed
    // The tick asks the checkpointer, on its own thread, and says there is more to do until a later
    // tick has taken its result.
    st->tick(chat::now_ms());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (st->tick(chat::now_ms()) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(size_of(db) > before + 150'000);  // the log was copied into the database
    // No tick: commits go on until the log holds the bound, then the commit checkpoints it itself.
    const long long after_tick = size_of(db);
    turns(10);
    CHECK(size_of(db) == after_tick);
    turns(60);  // 1.2 MB more: past 400 pages
    CHECK(size_of(db) > after_tick + 1'000'000);
    CHECK(st->room_page("#lobby", UINT64_MAX, 5).messages.back().id == id);
}

namespace {

std::vector<std::string> room_names(chat::store& st) {
    std::vector<std::string> out;
    for (const auto& r : st.rooms(100)) out.push_back(r.name);
    return out;
}

}  // namespace

TEST_CASE("store: a room that has messages is listed after closing and opening, with or without a topic") {
    temp_dir dir("chat-store");
    {
        auto st = open_store(dir.path);
        st->append(say(1, "#Quiet", "alice", "anyone?"));
        st->append(say(2, "#QUIET", "alice", "no"));  // one room, whatever the spelling
        st->append(pm(3, "alice", "bob", "a conversation is no room"));
        st->set_topic({"#topical", "just a topic", "bob", 7});
        st->commit();
        CHECK(room_names(*st) == std::vector<std::string>{"#Quiet", "#topical"});
    }
    auto st = open_store(dir.path);
    const auto rooms = st->rooms(100);
    REQUIRE(rooms.size() == 2);
    CHECK(rooms[0].name == "#Quiet");
    CHECK(rooms[0].topic.empty());
    CHECK(rooms[1].name == "#topical");
    CHECK(rooms[1].topic == "just a topic");
    CHECK(st->rooms(1).size() == 1);
    // A topic set later keeps the room's row, now with the topic.
    st->set_topic({"#Quiet", "shh", "carol", 9});
    st->append(say(4, "#quiet", "carol", "later"));
    st->commit();
    CHECK(st->rooms(100)[0].topic == "shh");
}

TEST_CASE("store: a database of schema 5 gets a row in rooms for each room with messages (migration 6)") {
    temp_dir dir("chat-store");
    {
        auto st = open_store(dir.path);
        st->append(say(1, "#Old", "alice", "first"));
        st->append(say(2, "#OLD", "alice", "second"));
        st->append(say(3, "#b", "bob", "hi"));
        st->append(pm(4, "alice", "bob", "psst"));
        st->commit();
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path + "/chatd.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "DELETE FROM rooms; PRAGMA user_version=5;", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto st = open_store(dir.path);
    CHECK(room_names(*st) == std::vector<std::string>{"#b", "#Old"});  // by folded name; the oldest spelling
}

TEST_CASE("store: retention forgets a room whose messages are all pruned; a new message brings it back") {
    temp_dir dir("chat-store");
    chat::sqlite_settings s;
    s.retain_days = 1;
    const std::int64_t now = chat::now_ms();
    {
        auto st = open_store(dir.path, nullptr, s);
        st->append({1, "#gone", "a", {}, now - 3 * 86'400'000, "old", false});
        st->append({2, "#kept", "a", {}, now - 3 * 86'400'000, "old too", false});
        st->append({3, "#kept", "a", {}, now - 1000, "new", false});
        st->commit();
        CHECK(room_names(*st) == std::vector<std::string>{"#gone", "#kept"});
        st->tick(now);
        CHECK(room_names(*st) == std::vector<std::string>{"#kept"});
        st->append({4, "#Gone", "b", {}, now, "back", false});
        st->commit();
    }
    auto st = open_store(dir.path, nullptr, s);
    CHECK(room_names(*st) == std::vector<std::string>{"#Gone", "#kept"});
}

TEST_CASE("store: the memory store lists the rooms it holds messages or a topic of") {
    auto st = chat::make_memory_store(10);
    st->append(say(1, "#Mem", "alice", "hi"));
    st->append(pm(2, "alice", "bob", "psst"));
    st->set_topic({"#lone", "t", "bob", 1});
    CHECK(room_names(*st) == std::vector<std::string>{"#lone", "#Mem"});
}

namespace {

// A peer of the dispatcher that keeps nothing it is sent.
struct quiet_peer : chat::participant {
    void put(const chat::line_ptr&) override {}
    void close_after_flush(std::string_view) override {}
};

// The topic of `room` as the database holds it, read by a connection of its own; "-" without a row.
std::string stored_topic(const std::string& dir, const std::string& key) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((dir + "/chatd.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT topic FROM rooms WHERE key = ?", -1, &s, nullptr) == SQLITE_OK);
    sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    std::string out = "-";
    if (sqlite3_step(s) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

}  // namespace

TEST_CASE("store: retention keeps the row and topic of a room people are in, and forgets it once they have left") {
    temp_dir dir("chat-store");
    chat::sqlite_settings s;
    s.retain_days = 1;
    const std::int64_t old = chat::now_ms() - 3 * 86'400'000;
    auto st = open_store(dir.path, nullptr, s);
    st->append({1, "#Plans", "a", {}, old, "said long ago", false});
    st->append({2, "#idle", "a", {}, old, "also long ago", false});
    st->set_topic({"#Plans", "ship it friday", "a", old});
    st->commit();
    chat::limits lim;
    lim.rate = 0;
    chat::dispatcher d(lim, "", std::move(st));
    quiet_peer alice;
    const auto now = chat::dispatcher::clock::now();
    d.on_line(alice, R"({"type":"hello","version":1,"nick":"alice"})", now);
    d.on_line(alice, R"({"type":"join","room":"#plans"})", now);
    // Both rooms' only messages are pruned; alice is in #plans, nobody in #idle.
    d.store_tick(chat::now_ms());
    CHECK(stored_topic(dir.path, "#plans") == "ship it friday");
    CHECK(stored_topic(dir.path, "#idle") == "-");
    d.store_tick(chat::now_ms());
    CHECK(stored_topic(dir.path, "#plans") == "ship it friday");  // still in use
    d.on_line(alice, R"({"type":"part","room":"#plans"})", now);
    d.store_tick(chat::now_ms());
    CHECK(stored_topic(dir.path, "#plans") == "-");  // empty and without history: forgotten
}
