// The disk store's parts, shared by the three files that implement it: store_sqlite.cpp (what the
// dispatcher calls: reads, buffered writes, the commit of each turn), store_sqlite_open.cpp (opening
// the directory, its lock and the database; faults, what to do about them, retries) and
// store_sqlite_upkeep.cpp (search, the background index, retention). Not for use elsewhere: the
// rest of chatd sees only store.hpp and store_sqlite.hpp.
#pragma once

#include "store_sqlite.hpp"
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include "store_checkpointer.hpp"
#include "store_schema.hpp"
#include "store_search.hpp"

namespace chat::sqlite_detail {

using steady = std::chrono::steady_clock;

// Time one statement may wait for a lock another process holds before the store counts it a fault:
// the loop must never stall for long.
constexpr int busy_timeout_ms = 50;
// Between two attempts to bring a failed disk back.
constexpr std::int64_t retry_ms = 2000;
// Messages kept in memory for the disk while it fails; past this they are relayed but not stored.
constexpr std::size_t max_pending = 100'000;
// Rows one pruning step deletes at most.
constexpr int prune_batch = 500;
// Messages indexed for search in one background step (about 0.5 ms of the loop's time: a thousand
// took 4 ms, a stall every paced client felt), and the most that may wait unindexed: past that, a
// commit indexes a larger batch itself, so a search's scan of the unindexed tail stays short.
constexpr int index_batch = 100;
constexpr int catch_up_batch = 1000;
constexpr std::uint64_t max_unindexed = 4000;
// The longest a search may run before it is cut short with the results found so far.
constexpr auto search_budget = std::chrono::milliseconds(200);

inline std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// mkdir -p with 0700 for what it creates; an existing directory keeps its mode (systemd's
// StateDirectory= sets its own).
inline bool make_dirs(const std::string& dir, std::string& why) {
    std::string path;
    std::size_t i = 0;
    while (i <= dir.size()) {
        const std::size_t slash = dir.find('/', i);
        const std::size_t end = slash == std::string::npos ? dir.size() : slash;
        path = dir.substr(0, end);
        i = end + 1;
        if (path.empty()) continue;
        if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
            why = path + ": " + std::strerror(errno);
            return false;
        }
        if (slash == std::string::npos) break;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        why = dir + ": not a directory";
        return false;
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        why = dir + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

// One prepared statement, finalized with the store.
class statement {
public:
    statement() = default;
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement() { reset(); }
    void reset() {
        if (st_ != nullptr) sqlite3_finalize(st_);
        st_ = nullptr;
    }
    int prepare(sqlite3* db, const char* sql) {
        reset();
        return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr);
    }
    sqlite3_stmt* get() const { return st_; }

    void bind(int i, std::string_view s) const {
        sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    // Not copied: `s` must stay unchanged until done().
    void bind_static(int i, std::string_view s) const {
        sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    }
    void bind(int i, std::int64_t v) const { sqlite3_bind_int64(st_, i, v); }
    std::string text(int i) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
        return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i)));
    }
    std::int64_t integer(int i) const { return sqlite3_column_int64(st_, i); }
    int step() const { return sqlite3_step(st_); }
    void done() const {
        sqlite3_reset(st_);
        sqlite3_clear_bindings(st_);
    }

private:
    sqlite3_stmt* st_ = nullptr;
};

constexpr const char* columns = "id, room, sender, recipient, ts, text, action";

inline stored_message read_message(const statement& s, int first = 0) {
    stored_message m;
    m.id = static_cast<std::uint64_t>(s.integer(first));
    m.room = s.text(first + 1);
    m.from = s.text(first + 2);
    m.to = s.text(first + 3);
    m.ts = s.integer(first + 4);
    m.text = s.text(first + 5);
    m.action = s.integer(first + 6) != 0;
    return m;
}

// The shape `insert_` and `offline_put_` share, parameters 1-7: id, key (the conversation, or the
// folded recipient), sender, recipient, ts, text, action. Bound without copies: `m` and `key` must
// outlive the step.
inline void bind_message(const statement& s, const stored_message& m, const std::string& key) {
    s.bind(1, static_cast<std::int64_t>(m.id));
    s.bind_static(2, key);
    s.bind_static(3, m.from);
    s.bind_static(4, m.to);
    s.bind(5, m.ts);
    s.bind_static(6, m.text);
    s.bind(7, std::int64_t{m.action ? 1 : 0});
}

class sqlite_store final : public store {
public:
    sqlite_store(sqlite_settings s, std::function<void(const std::string&)> note)
        : set_(std::move(s)), note_(std::move(note)), path_(set_.dir + "/chatd.db") {}

    ~sqlite_store() override {
        commit();
        close_db();
        if (lock_fd_ >= 0) ::close(lock_fd_);
    }

    // False (and `refused` set) only when another chatd holds the directory.
    bool start(store_refused& refused);

    std::string instance() const override { return instance_; }
    void set_instance(const std::string& instance) override;
    std::uint64_t last_id() const override { return last_id_; }

    bool find_room(std::string_view room, stored_room& out) override;

    std::vector<stored_room> rooms(std::size_t limit) override;

    std::vector<stored_message> recent(std::string_view room, std::size_t count) override;

    void append(stored_message m) override;

    void set_topic(const stored_room& r) override { pending_rooms_[fold_name(r.name)] = r; }

    void own_nick(const std::string& nick, const std::string& key) override;

    void offline_put(const stored_message& m) override;

    std::vector<stored_message> offline_take(std::string_view nick) override;

    void commit() override;

    history_page room_page(std::string_view room, std::uint64_t before, std::size_t limit) override;

    history_page pm_page(std::string_view a, std::string_view b, std::uint64_t before, std::size_t limit) override;

    std::vector<stored_message> search(std::string_view words, std::string_view room, std::string_view nick,
                                       std::size_t limit) override;

    const char* state() const override { return ok_ ? "disk" : "failing"; }

    bool tick(std::int64_t now_ms) override;

    void set_rooms_in_use(std::function<bool(std::string_view)> in_use) override { in_use_ = std::move(in_use); }

private:
    bool ready();

    static int over_budget(void* self);

    void note(const std::string& line) const;

    int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

    int put_meta(const char* key, const std::string& value);

    // What an operator should do about a failing database, by SQLite's answer.
    static std::string advice(int rc);

    void fault(int rc, const char* doing);
    void fault(int rc, const char* doing, const std::string& why);

    void fail_with(const std::string& what, const std::string& todo);

    void close_db();

    // The directory, its lock, the database and its schema; on a disk fault the store stays
    // memory-only (one log line) and false is returned.
    bool open_all(store_refused* refused);

    int configure();

    int prepare_all();

    int load_identity();

    // What waits for offline recipients, read once (the first time the disk opens). Messages put or
    // taken while the disk failed are pending writes: a put is kept, a taken one is not read back.
    int load_offline();

    // Indexes the next batch of unindexed messages for search, in its own transaction; true when
    // more are waiting.
    bool index_step(int batch);

    history_page page(const std::string& conv, std::int64_t before, std::size_t limit);

    // One bounded piece of retention: by age, by size, then per conversation by count.
    bool prune_step(std::int64_t now_ms);

    bool over_size();

    // Rooms whose last messages a pruning step removed (`touched`, folded names) lose their row,
    // unless people are in them: those are tried again by later steps until they are empty.
    int forget_rooms(std::set<std::string> touched);

    // Counts the log's pages after each commit (in place of SQLite's automatic checkpoint).
    static int on_wal_commit(void* self, sqlite3* db, const char* name, int frames);

    // Copies what the log holds into the database, as far as it can without waiting, on the loop.
    void checkpoint();

    // The checkpointer's last result, if it has one: its fault, or a log copied whole.
    void take_checkpoint();

    sqlite_settings set_;
    std::function<void(const std::string&)> note_;
    std::string path_;
    int lock_fd_ = -1;
    sqlite3* db_ = nullptr;
    bool ok_ = false;
    bool failing_logged_ = false;
    std::int64_t next_retry_ms_ = 0;

    std::string instance_;
    bool instance_dirty_ = false;
    std::uint64_t last_id_ = 0;
    std::vector<stored_message> pending_;
    std::map<std::string, stored_room> pending_rooms_;
    std::set<std::string> known_rooms_;                // folded names with a row in `rooms`
    std::function<bool(std::string_view)> in_use_;     // rooms people are in (the dispatcher's)
    std::set<std::string> forget_later_;               // pruned empty while in use
    std::map<std::string, std::string> pending_new_rooms_;  // folded name -> spelling, a row to write
    std::vector<std::pair<std::string, std::string>> pending_nicks_;  // nick, owner
    std::vector<stored_message> pending_offline_;  // offline pms to insert
    std::vector<std::uint64_t> pending_taken_;     // ids of offline pms delivered, to delete
    bool offline_loaded_ = false;
    std::size_t unstored_ = 0;
    std::uint64_t stored_ = 0;
    std::uint64_t fts_upto_ = 0;  // every stored message with an id up to this is in the search index
    int wal_frames_ = 0;          // pages in the write-ahead log not yet checkpointed
    std::unique_ptr<checkpointer> checkpointer_;  // while the database is open
    std::string conv_cursor_;
    steady::time_point search_deadline_{};

    statement room_new_, room_list_, room_forget_, offline_put_, offline_del_, nick_put_, insert_, room_get_, room_put_, meta_put_, page_, search_, tail_, index_, index_upto_, prune_age_, prune_conv_, prune_next_conv_,
        prune_oldest_;
};

}  // namespace chat::sqlite_detail
