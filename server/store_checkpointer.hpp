// The write-ahead log's checkpoint, off the event loop. Copying the log into the database ends in
// two fsyncs (the log before, the database after), 5-20 ms on an ordinary disk: on the loop thread
// that stalled every client once a second under steady traffic. This worker runs SQLite's PASSIVE
// checkpoint on its own connection, the way Redis's background thread runs the AOF's fsync: SQLite's
// file locks order it against the loop's commits, which never wait for it. The worker shares no
// state with the loop but the atomics below: a request number, the number of the last run finished,
// and that run's result, published before its number.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace chat::sqlite_detail {

// What every connection of the store sets alike: the log's syncs (`full_sync`: an fsync per commit)
// and a log reset after a checkpoint cut back to 64 MiB on disk.
int set_log_pragmas(sqlite3* db, bool full_sync);

// A checkpoint's answer that is a fault: busy (another process reading) is not; the next try goes on.
inline bool checkpoint_failed(int rc) { return rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY; }

class checkpointer {
public:
    struct result {
        int rc = SQLITE_OK;  // SQLite's answer; a busy database is no fault
        int log = 0;         // pages in the log when it ran
        int copied = 0;      // of those, copied into the database
        std::string error;   // SQLite's message when rc is a fault
    };

    // `full_sync` as the loop's connection has it; the database must exist.
    checkpointer(std::string path, bool full_sync);
    ~checkpointer();
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;

    // Loop thread: asks for a checkpoint unless one is running; true when asked.
    bool request();

    // Loop thread: the result of the run asked for last, once, when it has finished.
    std::optional<result> take();

    bool running() const { return asked_.load(std::memory_order_relaxed) != finished_.load(std::memory_order_acquire); }

private:
    void run();
    void checkpoint_once();

    std::string path_;
    bool full_sync_;
    sqlite3* db_ = nullptr;  // the worker's own connection, opened on its first run
    std::atomic<std::uint32_t> asked_{0};
    std::atomic<std::uint32_t> finished_{0};
    std::atomic<bool> stop_{false};
    std::uint32_t taken_ = 0;  // loop thread: the last run whose result was taken
    result last_;              // written by the worker before finished_, read by the loop after it
    std::thread worker_;
};

}  // namespace chat::sqlite_detail
