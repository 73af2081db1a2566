// The write-ahead log's checkpoint on its own thread: it copies a log another connection wrote, the
// writer's next transaction then starts the log again, and a failure comes back as a result.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "store_checkpointer.hpp"
#include "support/temp_dir.hpp"

namespace {

using chat::sqlite_detail::checkpointer;

long long file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

// Waits (up to ten seconds) for the result of the run asked for last.
std::optional<checkpointer::result> result_of(checkpointer& c) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto r = c.take()) return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::nullopt;
}

struct writer {
    explicit writer(const std::string& path) {
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_wal_autocheckpoint(db, 0);
        sqlite3_wal_hook(db, [](void* self, sqlite3*, const char*, int n) { *static_cast<int*>(self) = n; return SQLITE_OK; },
                         &frames);
        REQUIRE(exec("PRAGMA journal_mode=WAL; CREATE TABLE t(x)") == SQLITE_OK);
    }
    ~writer() { sqlite3_close_v2(db); }
    int exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
    void rows(int n) {
        for (int i = 0; i < n; ++i) REQUIRE(exec("INSERT INTO t VALUES(randomblob(3000))") == SQLITE_OK);
    }
    sqlite3* db = nullptr;
    int frames = 0;  // pages in the log after the last commit
};

}  // namespace

TEST_CASE("checkpointer: copies the log another connection wrote, and the writer then starts the log again") {
    temp_dir dir("chat-ckpt");
    const std::string db = dir.path + "/x.db";
    writer w(db);
    w.rows(200);
    CHECK(w.frames > 200);
    const long long before = file_size(db);
    checkpointer c(db, false);
    CHECK_FALSE(c.take());  // nothing asked yet
    REQUIRE(c.request());
    const auto r = result_of(c);
    REQUIRE(r);
    CHECK(r->rc == SQLITE_OK);
    CHECK(r->log >= 200);
    CHECK(r->copied == r->log);
    CHECK(file_size(db) > before + 500'000);  // 200 rows of 3000 bytes are in the database now
    CHECK_FALSE(c.take());  // a result is taken once
    CHECK_FALSE(c.running());
    w.rows(1);
    CHECK(w.frames < 10);  // the whole log was copied: the next commit wrote from its start
    // Asked again, it copies what came since.
    w.rows(50);
    REQUIRE(c.request());
    const auto again = result_of(c);
    REQUIRE(again);
    CHECK(again->rc == SQLITE_OK);
    CHECK(again->copied == again->log);
    CHECK(again->log >= 50);
}

TEST_CASE("checkpointer: a database it cannot open is a result with SQLite's message, every time it is asked") {
    temp_dir dir("chat-ckpt");
    checkpointer c(dir.path + "/missing/x.db", false);
    for (int i = 0; i < 2; ++i) {
        REQUIRE(c.request());
        const auto r = result_of(c);
        REQUIRE(r);
        CHECK(r->rc != SQLITE_OK);
        CHECK_FALSE(r->error.empty());
    }
}

TEST_CASE("checkpointer: stops at once when nothing was asked, and after a run that was") {
    temp_dir dir("chat-ckpt");
    const std::string db = dir.path + "/x.db";
    writer w(db);
    { checkpointer idle(db, true); }
    w.rows(20);
    checkpointer c(db, true);
    REQUIRE(c.request());
    REQUIRE(result_of(c));
}
