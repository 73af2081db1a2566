// The disk store's opening: the state directory and its lock, the database, its schema and what it
// holds; faults, the one log line saying what to do, and the retries.
#include "store_sqlite_impl.hpp"

namespace chat::sqlite_detail {

bool sqlite_store::start(store_refused& refused) {
    if (!open_all(&refused)) {
        if (!refused.message.empty()) return false;
        // No usable disk at start: ids begin above any a database could hold (milliseconds since
        // 1970 times 1000), so they never repeat one stored before, whenever the disk comes back.
        last_id_ = static_cast<std::uint64_t>(wall_ms()) * 1000;
    }
    return true;
}

bool sqlite_store::ready() {
    if (!ok_) return false;
    // Reads see this turn's writes too.
    commit();
    return ok_;
}

void sqlite_store::note(const std::string& line) const {
    if (note_) note_(line);
}

int sqlite_store::put_meta(const char* key, const std::string& value) {
    const statement& s = meta_put_;
    s.bind(1, std::string_view(key));
    s.bind(2, value);
    int rc = s.step();
    s.done();
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::string sqlite_store::advice(int rc) {
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

void sqlite_store::fault(int rc, const char* doing) {
    fault(rc, doing, db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
}

void sqlite_store::fault(int rc, const char* doing, const std::string& why) {
    fail_with(std::string("cannot use ") + path_ + " (" + doing + ": " + why + ")", advice(rc));
}

void sqlite_store::fail_with(const std::string& what, const std::string& todo) {
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

int sqlite_store::on_wal_commit(void* self, sqlite3*, const char*, int frames) {
    static_cast<sqlite_store*>(self)->wal_frames_ = frames;
    return SQLITE_OK;
}

void sqlite_store::checkpoint() {
    int log = 0;
    int done = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (checkpoint_failed(rc)) return fault(rc, "checkpointing");
    if (rc == SQLITE_OK && done >= log) wal_frames_ = 0;
}

void sqlite_store::take_checkpoint() {
    const auto r = checkpointer_->take();
    if (!r) return;
    if (checkpoint_failed(r->rc)) return fault(r->rc, "checkpointing", r->error);
    if (r->rc == SQLITE_OK && r->copied >= r->log && wal_frames_ <= r->log) wal_frames_ = 0;
}

void sqlite_store::close_db() {
    checkpointer_.reset();  // waits for a checkpoint under way; its connection closes first
    for (statement* s : {&room_new_, &room_list_, &room_forget_, &offline_put_, &offline_del_, &nick_put_, &insert_, &room_get_, &room_put_, &meta_put_, &page_, &search_, &tail_, &index_,
                         &index_upto_, &prune_age_,
                         &prune_conv_, &prune_next_conv_, &prune_oldest_}) {
        s->reset();
    }
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = nullptr;
    wal_frames_ = 0;
}

bool sqlite_store::open_all(store_refused* refused) {
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
    checkpointer_ = std::make_unique<checkpointer>(path_, set_.full_sync);
    ok_ = true;
    failing_logged_ = false;
    return true;
}

int sqlite_store::configure() {
    // journal_mode answers with the mode it is in: anything but "wal" is a fault (e.g. read-only).
    statement s;
    int rc = s.prepare(db_, "PRAGMA journal_mode=WAL");
    if (rc != SQLITE_OK) return rc;
    rc = s.step();
    if (rc != SQLITE_ROW) return rc;
    if (s.text(0) != "wal") return SQLITE_READONLY;
    s.reset();
    rc = set_log_pragmas(db_, set_.full_sync);
    // No checkpoint inside a commit: the hook replaces SQLite's automatic one (every 1000 pages, run
    // synchronously by the commit that crosses the mark) with one asked of the checkpointer in tick(),
    // off the loop.
    if (rc == SQLITE_OK) sqlite3_wal_hook(db_, &sqlite_store::on_wal_commit, this);
    return rc;
}

int sqlite_store::prepare_all() {
    const std::string sel = std::string("SELECT ") + columns + " FROM messages ";
    int rc = SQLITE_OK;
    auto prep = [&](statement& s, const std::string& sql) {
        if (rc == SQLITE_OK) rc = s.prepare(db_, sql.c_str());
    };
    prep(insert_,
         "INSERT INTO messages(id, conv, sender, recipient, ts, text, action, room) VALUES(?,?,?,?,?,?,?,?)");
    prep(room_get_, "SELECT name, topic, topic_by, topic_ts FROM rooms WHERE key = ?");
    prep(room_new_, "INSERT OR IGNORE INTO rooms(key, name, topic, topic_by, topic_ts) VALUES(?, ?, '', '', 0)");
    prep(room_list_, "SELECT name, topic, topic_by, topic_ts FROM rooms ORDER BY key LIMIT ?");
    prep(room_forget_, "DELETE FROM rooms WHERE key = ?1 AND NOT EXISTS (SELECT 1 FROM messages WHERE conv = ?1)");
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
         "WHERE ts < ?2) RETURNING conv");
    prep(prune_conv_,
         "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE conv = ?1 AND id <= "
         "(SELECT id FROM messages WHERE conv = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2) ORDER BY id LIMIT ?3) RETURNING conv");
    prep(prune_next_conv_, "SELECT conv FROM messages WHERE conv > ? ORDER BY conv LIMIT 1");
    prep(prune_oldest_, "DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT ?) RETURNING conv");
    return rc;
}

int sqlite_store::load_identity() {
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
    // The rooms with a row; one first stored while the disk failed is still waiting to be written.
    statement r;
    rc = r.prepare(db_, "SELECT key FROM rooms");
    if (rc != SQLITE_OK) return rc;
    while ((rc = r.step()) == SQLITE_ROW) known_rooms_.insert(r.text(0));
    if (rc != SQLITE_DONE) return rc;
    return load_offline();
}

int sqlite_store::load_offline() {
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

}  // namespace chat::sqlite_detail
