#include "nicks_command.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "store.hpp"
#include "store_sqlite.hpp"

namespace chat {

namespace {

const char* const nicks_usage =
    "usage: chatd nicks [--state-dir DIR] list\n"
    "       chatd nicks [--state-dir DIR] release NICK\n"
    "  list           every owned nick: its owner's key, since when, pms waiting for it\n"
    "  release NICK   frees NICK for the next key to use it; pms waiting for it are deleted, and its\n"
    "                 stored conversations are kept for the other side only (not for the next holder)\n"
    "Works on a stopped chatd's state directory (default $XDG_STATE_HOME/chatd): a running chatd\n"
    "holds the bindings in memory, so chatd nicks refuses while one uses the directory.\n";

std::string utc_minutes(std::int64_t ms) {
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm t{};
    gmtime_r(&secs, &t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &t);
    return buf;
}

// The state directory's database, opened under the directory's lock (the one chatd takes), so no
// chatd runs on it meanwhile.
class locked_db {
public:
    ~locked_db() {
        if (db_ != nullptr) sqlite3_close_v2(db_);
        if (lock_fd_ >= 0) ::close(lock_fd_);
    }

    // False with `why` set when the directory has no store, is in use, or cannot be opened.
    bool open(const std::string& dir, std::string& why) {
        const std::string path = dir + "/chatd.db";
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            why = "no chatd store in " + dir + " (" + path + ": " + std::strerror(errno) + "); give --state-dir";
            return false;
        }
        const std::string lock_path = dir + "/lock";
        lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock_fd_ < 0) {
            why = "cannot open " + lock_path + ": " + std::strerror(errno);
            return false;
        }
        if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            char pid[32] = {};
            const ssize_t n = ::pread(lock_fd_, pid, sizeof pid - 1, 0);
            std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : std::string("?");
            holder = holder.substr(0, holder.find('\n'));
            why = err == EWOULDBLOCK
                      ? "a chatd (pid " + holder + ") is using " + dir +
                            "; stop it first: a running chatd keeps the nick bindings in memory and would neither "
                            "see nor keep a change"
                      : "cannot lock " + lock_path + ": " + std::strerror(err);
            return false;
        }
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            why = "cannot open " + path + ": " + sqlite3_errmsg(db_);
            return false;
        }
        sqlite3_busy_timeout(db_, 2000);
        return true;
    }

    sqlite3* get() const { return db_; }

    bool has_table(const char* name) const {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &s, nullptr) !=
            SQLITE_OK) {
            return false;
        }
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        const bool found = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
        return found;
    }

private:
    int lock_fd_ = -1;
    sqlite3* db_ = nullptr;
};

std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

int list(const locked_db& db, const std::string& dir, std::string& out, std::string& err) {
    if (!db.has_table("nicks")) {
        out += "no nick is owned in " + dir + "\n";
        return 0;
    }
    const bool offline = db.has_table("offline");
    const std::string sql = std::string("SELECT n.nick, n.owner, n.since, ") +
                            (offline ? "(SELECT count(*) FROM offline o WHERE o.key = n.key)" : "0") +
                            " FROM nicks n ORDER BY n.key";
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
        err += std::string("chatd nicks: cannot read the nicks: ") + sqlite3_errmsg(db.get()) + "\n";
        return 1;
    }
    struct row {
        std::string nick, owner, since, waiting;
    };
    std::vector<row> rows;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        rows.push_back({column_text(s, 0), column_text(s, 1), utc_minutes(sqlite3_column_int64(s, 2)),
                        std::to_string(sqlite3_column_int64(s, 3))});
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        err += std::string("chatd nicks: cannot read the nicks: ") + sqlite3_errmsg(db.get()) + "\n";
        return 1;
    }
    if (rows.empty()) {
        out += "no nick is owned in " + dir + "\n";
        return 0;
    }
    std::size_t nick_w = 4;
    std::size_t owner_w = 5;
    for (const row& r : rows) {
        nick_w = std::max(nick_w, r.nick.size());
        owner_w = std::max(owner_w, r.owner.size());
    }
    auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
        out += a + std::string(nick_w - a.size() + 2, ' ') + b + std::string(owner_w - b.size() + 2, ' ') + c +
               std::string(c.size() < 17 ? 17 - c.size() + 2 : 2, ' ') + d + "\n";
    };
    line("NICK", "OWNER", "SINCE (UTC)", "PMS WAITING");
    for (const row& r : rows) line(r.nick, r.owner, r.since, r.waiting);
    return 0;
}

int release(const locked_db& db, const std::string& dir, const std::string& nick, std::string& out, std::string& err) {
    if (!db.has_table("nicks")) {
        err += "chatd nicks: nobody owns " + nick + " in " + dir + "\n";
        return 1;
    }
    sqlite3* h = db.get();
    auto fail = [&](const char* doing) {
        err += std::string("chatd nicks: cannot ") + doing + ": " + sqlite3_errmsg(h) + "\n";
        if (!sqlite3_get_autocommit(h)) sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
        return 1;
    };
    if (sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("begin");
    const std::string key = fold_name(nick);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(h, "SELECT nick, owner FROM nicks WHERE key = ?", -1, &s, nullptr) != SQLITE_OK) {
        return fail("read the nicks");
    }
    sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    const int rc = sqlite3_step(s);
    const std::string spelled = rc == SQLITE_ROW ? column_text(s, 0) : std::string();
    const std::string owner = rc == SQLITE_ROW ? column_text(s, 1) : std::string();
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) {
        sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
        err += "chatd nicks: nobody owns " + nick + " in " + dir + "\n";
        return 1;
    }
    if (rc != SQLITE_ROW) return fail("read the nicks");
    // The offline pms waiting for the nick go with it: they were written to its owner, not to
    // whoever takes the nick next.
    // Rows deleted by `sql` for the nick's key, or -1 on a fault.
    auto remove = [&](const char* sql) -> long long {
        sqlite3_stmt* d = nullptr;
        if (sqlite3_prepare_v2(h, sql, -1, &d, nullptr) != SQLITE_OK) return -1;
        sqlite3_bind_text(d, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
        const int done = sqlite3_step(d);
        sqlite3_finalize(d);
        return done == SQLITE_DONE ? sqlite3_changes(h) : -1;
    };
    if (remove("DELETE FROM nicks WHERE key = ?") < 0) return fail("release the nick");
    const long long deleted = db.has_table("offline") ? remove("DELETE FROM offline WHERE key = ?") : 0;
    if (deleted < 0) return fail("delete the pms waiting for it");
    // The nick's stored conversations were its owner's: they move to a name no nick can have (a
    // space is not a nick character), so the next holder cannot page or search them, while the other
    // side of each still finds them by search. The text stays untouched, and so does its index.
    long long rekeyed = 0;
    if (db.has_table("messages")) {
        const std::string gone = key + " (released " + utc_minutes(static_cast<std::int64_t>(std::time(nullptr)) * 1000) + ")";
        sqlite3_stmt* u = nullptr;
        const char* sql =
            "UPDATE messages SET conv = "
            "(CASE WHEN substr(conv, 1, instr(conv, char(10)) - 1) = ?1 THEN ?2 ELSE substr(conv, 1, instr(conv, char(10)) - 1) END)"
            " || char(10) || "
            "(CASE WHEN substr(conv, instr(conv, char(10)) + 1) = ?1 THEN ?2 ELSE substr(conv, instr(conv, char(10)) + 1) END) "
            "WHERE room = '' AND (substr(conv, 1, instr(conv, char(10)) - 1) = ?1 OR substr(conv, instr(conv, char(10)) + 1) = ?1)";
        if (sqlite3_prepare_v2(h, sql, -1, &u, nullptr) != SQLITE_OK) return fail("set its conversations aside");
        sqlite3_bind_text(u, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(u, 2, gone.data(), static_cast<int>(gone.size()), SQLITE_TRANSIENT);
        const int done = sqlite3_step(u);
        sqlite3_finalize(u);
        if (done != SQLITE_DONE) return fail("set its conversations aside");
        rekeyed = sqlite3_changes(h);
    }
    if (sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("commit");
    out += "released " + spelled + " (owned by " + owner + "); " +
           (deleted == 0 ? std::string("no pm was waiting for it")
                         : std::to_string(deleted) + (deleted == 1 ? " pm waiting for it was" : " pms waiting for it were") +
                               " deleted") +
           (rekeyed == 0 ? std::string()
                         : "; " + std::to_string(rekeyed) + (rekeyed == 1 ? " stored pm" : " stored pms") +
                               " of its conversations no longer shown to whoever holds it next") +
           "\n";
    return 0;
}

}  // namespace

int run_nicks_command(const std::vector<std::string>& args, std::string& out, std::string& err) {
    std::string dir;
    std::vector<std::string> words;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            out += nicks_usage;
            return 0;
        }
        if (a == "--state-dir") {
            if (i + 1 >= args.size() || args[i + 1].empty()) {
                err += "chatd nicks: --state-dir expects a directory\n";
                return 2;
            }
            dir = args[++i];
        } else if (a.starts_with("--state-dir=")) {
            dir = a.substr(12);
        } else if (a.starts_with("-")) {
            err += "chatd nicks: unknown option " + a + "\n" + nicks_usage;
            return 2;
        } else {
            words.push_back(a);
        }
    }
    const bool is_list = words.size() == 1 && words[0] == "list";
    const bool is_release = words.size() == 2 && words[0] == "release";
    if (!is_list && !is_release) {
        err += nicks_usage;
        return 2;
    }
    if (dir.empty()) dir = default_state_dir();
    locked_db db;
    std::string why;
    if (!db.open(dir, why)) {
        err += "chatd nicks: " + why + "\n";
        return 1;
    }
    return is_list ? list(db, dir, out, err) : release(db, dir, words[1], out, err);
}

}  // namespace chat
