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
#include <set>

#include "store_schema.hpp"
#include "store_search.hpp"

namespace chat {

namespace {

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
// Messages indexed for search in one background step, and the most that may wait unindexed: past
// that, a commit indexes a batch itself, so a search's scan of the unindexed tail stays short.
constexpr int index_batch = 1000;
constexpr std::uint64_t max_unindexed = 4000;
// The longest a search may run before it is cut short with the results found so far.
constexpr auto search_budget = std::chrono::milliseconds(200);

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// mkdir -p with 0700 for what it creates; an existing directory keeps its mode (systemd's
// StateDirectory= sets its own).
bool make_dirs(const std::string& dir, std::string& why) {
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

stored_message read_message(const statement& s, int first = 0) {
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
    bool start(store_refused& refused) {
        if (!open_all(&refused)) {
            if (!refused.message.empty()) return false;
            // No usable disk at start: ids begin above any a database could hold (milliseconds since
            // 1970 times 1000), so they never repeat one stored before, whenever the disk comes back.
            last_id_ = static_cast<std::uint64_t>(wall_ms()) * 1000;
        }
        return true;
    }

    std::string instance() const override { return instance_; }
    void set_instance(const std::string& instance) override {
        instance_ = instance;
        instance_dirty_ = true;
        commit();
    }
    std::uint64_t last_id() const override { return last_id_; }

    bool find_room(std::string_view room, stored_room& out) override {
        const auto p = pending_rooms_.find(fold_name(room));
        if (p != pending_rooms_.end()) {
            out = p->second;
            return true;
        }
        if (!ready()) return false;
        const statement& s = room_get_;
        s.bind(1, fold_name(room));
        const int rc = s.step();
        const bool found = rc == SQLITE_ROW;
        if (found) {
            out.name = s.text(0);
            out.topic = s.text(1);
            out.topic_by = s.text(2);
            out.topic_ts = s.integer(3);
        }
        s.done();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) fault(rc, "reading");
        return found;
    }

    std::vector<stored_message> recent(std::string_view room, std::size_t count) override {
        history_page p = page(fold_name(room), std::numeric_limits<std::int64_t>::max(), count);
        return std::move(p.messages);
    }

    void append(const stored_message& m) override {
        last_id_ = std::max(last_id_, m.id);
        if (pending_.size() >= max_pending) {
            if (unstored_++ == 0) {
                note("store: " + std::to_string(max_pending) +
                     " messages are waiting for the disk already; later ones are relayed but not stored");
            }
            return;
        }
        pending_.push_back(m);
    }

    void set_topic(const stored_room& r) override { pending_rooms_[fold_name(r.name)] = r; }

    void own_nick(const std::string& nick, const std::string& key) override {
        store::own_nick(nick, key);
        pending_nicks_.emplace_back(nick, key);
    }

    void offline_put(const stored_message& m) override {
        store::offline_put(m);
        pending_offline_.push_back(m);
    }

    std::vector<stored_message> offline_take(std::string_view nick) override {
        std::vector<stored_message> out = store::offline_take(nick);
        for (const stored_message& m : out) pending_taken_.push_back(m.id);
        return out;
    }

    void commit() override {
        if (pending_.empty() && pending_rooms_.empty() && pending_nicks_.empty() && pending_offline_.empty() &&
            pending_taken_.empty() && !instance_dirty_) {
            return;
        }
        if (!ok_) return;
        int rc = exec("BEGIN IMMEDIATE");
        for (const stored_message& m : pending_) {
            if (rc != SQLITE_OK) break;
            const statement& s = insert_;
            s.bind(1, static_cast<std::int64_t>(m.id));
            s.bind(2, m.room.empty() ? conversation_key(m.from, m.to) : fold_name(m.room));
            s.bind(3, m.room);
            s.bind(4, m.from);
            s.bind(5, m.to);
            s.bind(6, m.ts);
            s.bind(7, m.text);
            s.bind(8, std::int64_t{m.action ? 1 : 0});
            rc = s.step();
            s.done();
            // A message already stored (a retry after a commit whose answer was lost) is no fault.
            if (rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT) rc = SQLITE_OK;
        }
        for (const auto& [key, r] : pending_rooms_) {
            if (rc != SQLITE_OK) break;
            const statement& s = room_put_;
            s.bind(1, key);
            s.bind(2, r.name);
            s.bind(3, r.topic);
            s.bind(4, r.topic_by);
            s.bind(5, r.topic_ts);
            rc = s.step();
            s.done();
            if (rc == SQLITE_DONE) rc = SQLITE_OK;
        }
        for (const auto& [nick, key] : pending_nicks_) {
            if (rc != SQLITE_OK) break;
            const statement& s = nick_put_;
            s.bind(1, fold_name(nick));
            s.bind(2, nick);
            s.bind(3, key);
            s.bind(4, wall_ms());
            rc = s.step();
            s.done();
            if (rc == SQLITE_DONE) rc = SQLITE_OK;
        }
        for (const stored_message& m : pending_offline_) {
            if (rc != SQLITE_OK) break;
            const statement& s = offline_put_;
            s.bind(1, static_cast<std::int64_t>(m.id));
            s.bind(2, fold_name(m.to));
            s.bind(3, m.from);
            s.bind(4, m.to);
            s.bind(5, m.ts);
            s.bind(6, m.text);
            s.bind(7, std::int64_t{m.action ? 1 : 0});
            rc = s.step();
            s.done();
            if (rc == SQLITE_DONE) rc = SQLITE_OK;
        }
        // Taken after being put in the same turn: the put above is undone here, in one transaction.
        for (const std::uint64_t id : pending_taken_) {
            if (rc != SQLITE_OK) break;
            const statement& s = offline_del_;
            s.bind(1, static_cast<std::int64_t>(id));
            rc = s.step();
            s.done();
            if (rc == SQLITE_DONE) rc = SQLITE_OK;
        }
        if (rc == SQLITE_OK) rc = put_meta("last_id", std::to_string(last_id_));
        if (rc == SQLITE_OK && instance_dirty_) rc = put_meta("instance", instance_);
        if (rc == SQLITE_OK) rc = exec("COMMIT");
        if (rc != SQLITE_OK) {
            if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
            fault(rc, "writing");
            return;
        }
        stored_ += pending_.size();
        pending_.clear();
        pending_rooms_.clear();
        pending_nicks_.clear();
        pending_offline_.clear();
        pending_taken_.clear();
        instance_dirty_ = false;
        // A flood that never leaves the loop idle still gets indexed, a batch at a time.
        if (last_id_ > fts_upto_ + max_unindexed) index_step();
    }

    history_page room_page(std::string_view room, std::uint64_t before, std::size_t limit) override {
        return page(fold_name(room), static_cast<std::int64_t>(std::min<std::uint64_t>(before, INT64_MAX)), limit);
    }

    history_page pm_page(std::string_view a, std::string_view b, std::uint64_t before, std::size_t limit) override {
        return page(conversation_key(a, b), static_cast<std::int64_t>(std::min<std::uint64_t>(before, INT64_MAX)),
                    limit);
    }

    std::vector<stored_message> search(std::string_view words, std::string_view room, std::string_view nick,
                                       std::size_t limit) override {
        std::vector<stored_message> out;
        const auto terms = search_terms(words);
        if (terms.empty() || !ready()) return out;
        search_deadline_ = steady::now() + search_budget;
        sqlite3_progress_handler(db_, 2000, &sqlite_store::over_budget, this);
        // The newest messages are not indexed yet: read them directly, newest first.
        {
            const statement& t = tail_;
            t.bind(1, static_cast<std::int64_t>(fts_upto_));
            t.bind(2, fold_name(room));
            t.bind(3, fold_name(nick));
            int rc = 0;
            while (out.size() < limit && (rc = t.step()) == SQLITE_ROW) {
                stored_message m = read_message(t);
                if (matches_word_starts(m.text, terms)) out.push_back(std::move(m));
            }
            t.done();
            if (rc != 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
                sqlite3_progress_handler(db_, 0, nullptr, nullptr);
                if (rc != SQLITE_INTERRUPT) fault(rc, "searching");
                return out;
            }
        }
        if (out.size() >= limit) {
            sqlite3_progress_handler(db_, 0, nullptr, nullptr);
            return out;
        }
        std::string q;
        for (const std::string& t : terms) q += (q.empty() ? "" : " ") + ('"' + t + "\"*");
        const statement& s = search_;
        s.bind(1, q);
        s.bind(2, fold_name(room));
        s.bind(3, fold_name(nick));
        s.bind(4, static_cast<std::int64_t>(limit - out.size()));
        int rc = 0;
        while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_message(s));
        sqlite3_progress_handler(db_, 0, nullptr, nullptr);
        s.done();
        // Cut short by the time budget: what was found so far is the answer.
        if (rc != SQLITE_DONE && rc != SQLITE_INTERRUPT) fault(rc, "searching");
        return out;
    }

    const char* state() const override { return ok_ ? "disk" : "failing"; }

    bool tick(std::int64_t now_ms) override {
        if (!ok_) {
            if (now_ms < next_retry_ms_) return false;
            next_retry_ms_ = now_ms + retry_ms;
            const std::size_t waiting = pending_.size();
            if (!open_all(nullptr)) return false;
            commit();
            if (!ok_) return false;
            note("store: " + path_ + " is written again; " + std::to_string(waiting) + " waiting messages stored" +
                 (unstored_ > 0 ? ", " + std::to_string(unstored_) + " relayed while the disk failed are not" : ""));
            unstored_ = 0;
            return false;
        }
        commit();
        const bool more_index = index_step();
        if (!ok_) return false;
        return prune_step(now_ms) || more_index;
    }

private:
    bool ready() {
        if (!ok_) return false;
        // Reads see this turn's writes too.
        commit();
        return ok_;
    }

    static int over_budget(void* self) {
        return steady::now() > static_cast<sqlite_store*>(self)->search_deadline_ ? 1 : 0;
    }

    void note(const std::string& line) const {
        if (note_) note_(line);
    }

    int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

    int put_meta(const char* key, const std::string& value) {
        const statement& s = meta_put_;
        s.bind(1, std::string_view(key));
        s.bind(2, value);
        int rc = s.step();
        s.done();
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
    }

    // What an operator should do about a failing database, by SQLite's answer.
    static std::string advice(int rc) {
        switch (rc & 0xff) {
        case SQLITE_FULL: return "free disk space";
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN: return "make the state directory and chatd.db writable by chatd";
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return "stop the other program that holds chatd.db";
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return "stop chatd, move chatd.db aside (or restore a backup) and start chatd again";
        default: return "check the disk and the state directory";
        }
    }

    void fault(int rc, const char* doing) {
        const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        fail_with(std::string("cannot use ") + path_ + " (" + doing + ": " + why + ")", advice(rc));
    }

    void fail_with(const std::string& what, const std::string& todo) {
        const bool first = ok_ || !failing_logged_;
        ok_ = false;
        close_db();
        next_retry_ms_ = wall_ms() + retry_ms;
        if (!first) return;
        failing_logged_ = true;
        note("store: " + what + "; relaying memory-only (messages wait in memory for the disk, at most " +
             std::to_string(max_pending) + "); " + todo + "; retrying every " + std::to_string(retry_ms / 1000) +
             " s");
    }

    void close_db() {
        for (statement* s : {&offline_put_, &offline_del_, &nick_put_, &insert_, &room_get_, &room_put_, &meta_put_, &page_, &search_, &tail_, &index_,
                             &index_upto_, &prune_age_,
                             &prune_conv_, &prune_next_conv_, &prune_oldest_}) {
            s->reset();
        }
        if (db_ != nullptr) sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    // The directory, its lock, the database and its schema; on a disk fault the store stays
    // memory-only (one log line) and false is returned.
    bool open_all(store_refused* refused) {
        std::string why;
        if (!make_dirs(set_.dir, why)) {
            fail_with("the state directory " + why, "create it writable by chatd, or give --state-dir");
            return false;
        }
        if (lock_fd_ < 0) {
            const std::string lock_path = set_.dir + "/lock";
            const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0) {
                fail_with("cannot open " + lock_path + ": " + std::strerror(errno), "make the state directory writable by chatd");
                return false;
            }
            if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
                const int err = errno;
                char pid[32] = {};
                const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
                ::close(fd);
                const std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : std::string("?");
                if (err == EWOULDBLOCK && refused != nullptr) {
                    refused->message = "another chatd (pid " + holder.substr(0, holder.find('\n')) +
                                       ") is using the state directory " + set_.dir +
                                       "; stop it, or give this one another --state-dir (or --no-store)";
                    return false;
                }
                fail_with("cannot lock " + lock_path + ": " + std::strerror(err), "stop the other chatd using it");
                return false;
            }
            const std::string me = std::to_string(::getpid()) + "\n";
            if (::ftruncate(fd, 0) == 0) {
                [[maybe_unused]] const ssize_t w = ::pwrite(fd, me.data(), me.size(), 0);
            }
            lock_fd_ = fd;
        }
        int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc != SQLITE_OK) {
            fault(rc, "opening");
            return false;
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, busy_timeout_ms);
        ::chmod(path_.c_str(), 0600);
        rc = configure();
        if (rc == SQLITE_OK) rc = migrate(db_);
        if (rc == SQLITE_OK) rc = prepare_all();
        if (rc == SQLITE_OK) rc = load_identity();
        if (rc != SQLITE_OK) {
            fault(rc, "opening");
            return false;
        }
        ok_ = true;
        failing_logged_ = false;
        return true;
    }

    int configure() {
        // journal_mode answers with the mode it is in: anything but "wal" is a fault (e.g. read-only).
        statement s;
        int rc = s.prepare(db_, "PRAGMA journal_mode=WAL");
        if (rc != SQLITE_OK) return rc;
        rc = s.step();
        if (rc != SQLITE_ROW) return rc;
        if (s.text(0) != "wal") return SQLITE_READONLY;
        s.reset();
        rc = exec(set_.full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        // A checkpoint every 4 MiB of log keeps the WAL small without a checkpoint per turn.
        if (rc == SQLITE_OK) rc = exec("PRAGMA wal_autocheckpoint=1000");
        return rc;
    }

    int prepare_all() {
        const std::string sel = std::string("SELECT ") + columns + " FROM messages ";
        int rc = SQLITE_OK;
        auto prep = [&](statement& s, const std::string& sql) {
            if (rc == SQLITE_OK) rc = s.prepare(db_, sql.c_str());
        };
        prep(insert_,
             "INSERT INTO messages(id, conv, room, sender, recipient, ts, text, action) VALUES(?,?,?,?,?,?,?,?)");
        prep(room_get_, "SELECT name, topic, topic_by, topic_ts FROM rooms WHERE key = ?");
        prep(room_put_, "INSERT OR REPLACE INTO rooms(key, name, topic, topic_by, topic_ts) VALUES(?,?,?,?,?)");
        prep(meta_put_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
        prep(nick_put_, "INSERT OR REPLACE INTO nicks(key, nick, owner, since) VALUES(?,?,?,?)");
        prep(offline_put_, "INSERT OR IGNORE INTO offline(id, key, sender, recipient, ts, text, action) VALUES(?,?,?,?,?,?,?)");
        prep(offline_del_, "DELETE FROM offline WHERE id = ?");
        prep(page_, sel + "WHERE conv = ? AND id < ? ORDER BY id DESC LIMIT ?");
        // Room messages (of one room, when ?2 is set) and the asker's own private messages.
        prep(search_,
             "SELECT m.id, m.room, m.sender, m.recipient, m.ts, m.text, m.action FROM messages_fts f "
             "JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ?1 AND (CASE WHEN m.room <> '' "
             "THEN ?2 = '' OR m.conv = ?2 ELSE ?2 = '' AND (substr(m.conv, 1, instr(m.conv, char(10)) - 1) = ?3 "
             "OR substr(m.conv, instr(m.conv, char(10)) + 1) = ?3) END) ORDER BY f.rowid DESC LIMIT ?4");
        // Not yet indexed (id above ?1), newest first, with the same room and party rules.
        prep(tail_, sel + "WHERE id > ?1 AND (CASE WHEN room <> '' THEN ?2 = '' OR conv = ?2 ELSE ?2 = '' AND "
                          "(substr(conv, 1, instr(conv, char(10)) - 1) = ?3 OR substr(conv, instr(conv, char(10)) + 1) = ?3) "
                          "END) ORDER BY id DESC");
        prep(index_, "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2");
        prep(index_upto_, "SELECT max(id) FROM (SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2)");
        prep(prune_age_,
             "DELETE FROM messages WHERE id IN (SELECT id FROM (SELECT id, ts FROM messages ORDER BY id LIMIT ?1) "
             "WHERE ts < ?2)");
        prep(prune_conv_,
             "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE conv = ?1 AND id <= "
             "(SELECT id FROM messages WHERE conv = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2) ORDER BY id LIMIT ?3)");
        prep(prune_next_conv_, "SELECT conv FROM messages WHERE conv > ? ORDER BY conv LIMIT 1");
        prep(prune_oldest_, "DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT ?)");
        return rc;
    }

    int load_identity() {
        statement s;
        int rc = s.prepare(db_,
                           "SELECT (SELECT value FROM meta WHERE key = 'instance'), "
                           "max(coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_id'), 0), "
                           "coalesce((SELECT max(id) FROM messages), 0))");
        if (rc != SQLITE_OK) return rc;
        rc = s.step();
        if (rc != SQLITE_ROW) return rc;
        const std::string stored = s.text(0);
        // A store coming back after a fault keeps the running instance and the higher id.
        if (instance_.empty()) {
            instance_ = stored;
        } else if (stored != instance_) {
            instance_dirty_ = true;
        }
        last_id_ = std::max(last_id_, static_cast<std::uint64_t>(s.integer(1)));
        s.reset();
        rc = s.prepare(db_, "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto'), 0)");
        if (rc != SQLITE_OK) return rc;
        rc = s.step();
        if (rc != SQLITE_ROW) return rc;
        fts_upto_ = static_cast<std::uint64_t>(s.integer(0));
        // Owned nicks live in memory; a binding made while the disk failed is kept over the stored one.
        statement n;
        rc = n.prepare(db_, "SELECT key, owner FROM nicks");
        if (rc != SQLITE_OK) return rc;
        while ((rc = n.step()) == SQLITE_ROW) owners_.emplace(n.text(0), n.text(1));
        if (rc != SQLITE_DONE) return rc;
        return load_offline();
    }

    // What waits for offline recipients, read once (the first time the disk opens). Messages put or
    // taken while the disk failed are pending writes: a put is kept, a taken one is not read back.
    int load_offline() {
        if (offline_loaded_) return SQLITE_OK;
        statement o;
        int rc = o.prepare(db_, "SELECT id, sender, recipient, ts, text, action FROM offline ORDER BY id");
        if (rc != SQLITE_OK) return rc;
        std::set<std::uint64_t> known(pending_taken_.begin(), pending_taken_.end());
        for (const auto& [key, box] : offline_) {
            for (const stored_message& m : box) known.insert(m.id);
        }
        while ((rc = o.step()) == SQLITE_ROW) {
            stored_message m;
            m.id = static_cast<std::uint64_t>(o.integer(0));
            m.from = o.text(1);
            m.to = o.text(2);
            m.ts = o.integer(3);
            m.text = o.text(4);
            m.action = o.integer(5) != 0;
            if (known.contains(m.id)) continue;
            store::offline_put(m);
        }
        if (rc != SQLITE_DONE) return rc;
        for (auto& [key, box] : offline_) {
            std::sort(box.begin(), box.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
        }
        offline_loaded_ = true;
        return SQLITE_OK;
    }

    // Indexes the next batch of unindexed messages for search, in its own transaction; true when
    // more are waiting.
    bool index_step() {
        if (!ok_ || fts_upto_ >= last_id_) return false;
        const statement& u = index_upto_;
        u.bind(1, static_cast<std::int64_t>(fts_upto_));
        u.bind(2, std::int64_t{index_batch});
        int rc = u.step();
        const bool any = rc == SQLITE_ROW && sqlite3_column_type(u.get(), 0) != SQLITE_NULL;
        const std::uint64_t upto = any ? static_cast<std::uint64_t>(u.integer(0)) : 0;
        u.done();
        if (rc != SQLITE_ROW) {
            fault(rc, "indexing");
            return false;
        }
        if (!any) {
            // Ids handed out but never stored (relayed while the disk failed): nothing to index.
            if (pending_.empty()) fts_upto_ = last_id_;
            return false;
        }
        rc = exec("BEGIN IMMEDIATE");
        if (rc == SQLITE_OK) {
            const statement& s = index_;
            s.bind(1, static_cast<std::int64_t>(fts_upto_));
            s.bind(2, std::int64_t{index_batch});
            rc = s.step();
            s.done();
            if (rc == SQLITE_DONE) rc = SQLITE_OK;
        }
        if (rc == SQLITE_OK) rc = put_meta("fts_upto", std::to_string(upto));
        if (rc == SQLITE_OK) rc = exec("COMMIT");
        if (rc != SQLITE_OK) {
            if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
            fault(rc, "indexing");
            return false;
        }
        fts_upto_ = upto;
        return fts_upto_ < last_id_;
    }

    history_page page(const std::string& conv, std::int64_t before, std::size_t limit) {
        history_page p;
        if (!ready()) {
            p.available = false;
            return p;
        }
        const statement& s = page_;
        s.bind(1, conv);
        s.bind(2, before);
        s.bind(3, static_cast<std::int64_t>(limit) + 1);
        int rc = 0;
        while ((rc = s.step()) == SQLITE_ROW) p.messages.push_back(read_message(s));
        s.done();
        if (rc != SQLITE_DONE) {
            fault(rc, "reading");
            p.messages.clear();
            p.available = false;
            return p;
        }
        p.complete = p.messages.size() <= limit;
        if (!p.complete) p.messages.pop_back();
        std::reverse(p.messages.begin(), p.messages.end());
        return p;
    }

    // One bounded piece of retention: by age, by size, then per conversation by count.
    bool prune_step(std::int64_t now_ms) {
        int deleted = 0;
        int rc = SQLITE_OK;
        if (set_.retain_days > 0) {
            const statement& s = prune_age_;
            s.bind(1, std::int64_t{prune_batch});
            s.bind(2, now_ms - set_.retain_days * 86'400'000);
            rc = s.step();
            s.done();
            if (rc == SQLITE_DONE) deleted += sqlite3_changes(db_);
        }
        if ((rc == SQLITE_OK || rc == SQLITE_DONE) && set_.max_bytes > 0 && deleted == 0 && over_size()) {
            const statement& s = prune_oldest_;
            s.bind(1, std::int64_t{prune_batch});
            rc = s.step();
            s.done();
            if (rc == SQLITE_DONE) deleted += sqlite3_changes(db_);
        }
        if ((rc == SQLITE_OK || rc == SQLITE_DONE) && set_.retain_messages > 0 && deleted == 0) {
            // One conversation per step, walking the conv index round and round.
            const statement& n = prune_next_conv_;
            n.bind(1, conv_cursor_);
            rc = n.step();
            conv_cursor_ = rc == SQLITE_ROW ? n.text(0) : std::string();
            n.done();
            if (rc == SQLITE_ROW && !conv_cursor_.empty()) {
                const statement& s = prune_conv_;
                s.bind(1, conv_cursor_);
                s.bind(2, static_cast<std::int64_t>(set_.retain_messages));
                s.bind(3, std::int64_t{prune_batch});
                rc = s.step();
                s.done();
                if (rc == SQLITE_DONE) deleted += sqlite3_changes(db_);
            }
        }
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
            fault(rc, "pruning");
            return false;
        }
        return deleted > 0;
    }

    bool over_size() {
        statement s;
        if (s.prepare(db_, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") != SQLITE_OK ||
            s.step() != SQLITE_ROW) {
            return false;
        }
        return static_cast<std::uint64_t>(s.integer(0)) > set_.max_bytes;
    }

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
    std::vector<std::pair<std::string, std::string>> pending_nicks_;  // nick, owner
    std::vector<stored_message> pending_offline_;  // offline pms to insert
    std::vector<std::uint64_t> pending_taken_;     // ids of offline pms delivered, to delete
    bool offline_loaded_ = false;
    std::size_t unstored_ = 0;
    std::uint64_t stored_ = 0;
    std::uint64_t fts_upto_ = 0;  // every stored message with an id up to this is in the search index
    std::string conv_cursor_;
    steady::time_point search_deadline_{};

    statement offline_put_, offline_del_, nick_put_, insert_, room_get_, room_put_, meta_put_, page_, search_, tail_, index_, index_upto_, prune_age_, prune_conv_, prune_next_conv_,
        prune_oldest_;
};

}  // namespace

std::string default_state_dir() {
    const char* xdg = std::getenv("XDG_STATE_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/chatd";
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr && home[0] != '\0' ? home : ".") + "/.local/state/chatd";
}

std::unique_ptr<store> open_sqlite_store(const sqlite_settings& s, std::function<void(const std::string&)> note,
                                         store_refused& refused) {
    auto st = std::make_unique<sqlite_store>(s, std::move(note));
    if (!st->start(refused)) return nullptr;
    return st;
}

}  // namespace chat
