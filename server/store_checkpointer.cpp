#include "store_checkpointer.hpp"

#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <utility>

namespace chat::sqlite_detail {

int set_log_pragmas(sqlite3* db, bool full_sync) {
    int rc = sqlite3_exec(db, full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", nullptr, nullptr,
                          nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA journal_size_limit=67108864", nullptr, nullptr, nullptr);
    return rc;
}

checkpointer::checkpointer(std::string path, bool full_sync) : path_(std::move(path)), full_sync_(full_sync) {
    // Signals stay with the loop thread (its signal set): the worker starts with all of them blocked.
    sigset_t all;
    sigset_t before;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &before);
    worker_ = std::thread([this] { run(); });
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

checkpointer::~checkpointer() {
    stop_.store(true, std::memory_order_relaxed);
    asked_.fetch_add(1, std::memory_order_release);
    asked_.notify_one();
    worker_.join();
}

bool checkpointer::request() {
    if (running()) return false;
    asked_.fetch_add(1, std::memory_order_release);
    asked_.notify_one();
    return true;
}

std::optional<checkpointer::result> checkpointer::take() {
    const std::uint32_t done = finished_.load(std::memory_order_acquire);
    if (done == taken_ || done != asked_.load(std::memory_order_relaxed)) return std::nullopt;
    taken_ = done;
    return last_;
}

void checkpointer::run() {
    // Below the loop thread: on a core the loop shares it runs only while the loop waits for work.
    const sched_param idle{};
    ::sched_setscheduler(0, SCHED_IDLE, &idle);
    std::uint32_t seen = 0;
    for (;;) {
        asked_.wait(seen, std::memory_order_acquire);
        seen = asked_.load(std::memory_order_acquire);
        if (stop_.load(std::memory_order_relaxed)) break;
        checkpoint_once();
        finished_.store(seen, std::memory_order_release);
        finished_.notify_all();
    }
    if (db_ != nullptr) sqlite3_close_v2(db_);
}

void checkpointer::checkpoint_once() {
    last_ = result{};
    int rc = SQLITE_OK;
    if (db_ == nullptr) {
        rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc == SQLITE_OK) {
            sqlite3_extended_result_codes(db_, 1);
            // It never writes a transaction of its own; its checkpoint syncs and cuts back the log as
            // the loop's connection would.
            sqlite3_wal_autocheckpoint(db_, 0);
            rc = set_log_pragmas(db_, full_sync_);
        }
    }
    if (rc == SQLITE_OK) rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &last_.log, &last_.copied);
    last_.rc = rc;
    if (checkpoint_failed(rc)) {
        last_.error = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        // A connection that failed is not trusted again: the next run opens a new one.
        if (db_ != nullptr) sqlite3_close_v2(db_);
        db_ = nullptr;
    }
}

}  // namespace chat::sqlite_detail
