#include "store_schema.hpp"

#include <sqlite3.h>

#include <iterator>
#include <string>

namespace chat {

namespace {

// Each entry takes the schema from version i to i + 1.
constexpr const char* migrations[] = {
    // 1: rooms, messages (room and private, one id sequence), their full-text index, and meta
    // (instance, last_id). `conv` is the folded room name, or both folded nicks joined by '\n'.
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
    "  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END;",
    // 2: the full-text index is filled in the background, in batches (meta 'fts_upto': every message
    // with an id up to it is indexed), not by a trigger inside each turn's transaction. A deleted
    // message leaves the index only if it was in it.
    "DROP TRIGGER messages_ai;"
    "DROP TRIGGER messages_ad;"
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_upto', (SELECT coalesce(max(id), 0) FROM messages));"
    "CREATE TRIGGER messages_ad AFTER DELETE ON messages "
    "  WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto') BEGIN "
    "  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END;",
    // 3: nicks owned by client keys (feature tls_identity); `key` is the folded nick.
    "CREATE TABLE nicks(key TEXT PRIMARY KEY, nick TEXT NOT NULL, owner TEXT NOT NULL, "
    "  since INTEGER NOT NULL) WITHOUT ROWID;",
    // 4: offline private messages waiting for their owned recipient (feature offline_pm), a copy of
    // the message (retention never removes one before it is delivered); `key` is the folded recipient.
    "CREATE TABLE offline(id INTEGER PRIMARY KEY, key TEXT NOT NULL, sender TEXT NOT NULL, "
    "  recipient TEXT NOT NULL, ts INTEGER NOT NULL, text TEXT NOT NULL, action INTEGER NOT NULL);"
    "CREATE INDEX offline_key ON offline(key, id);",
    // 5: the full-text index without its per-message size table (columnsize=0): searches order by id,
    // never by rank, so the sizes were written for nothing, one more b-tree insert per message. The
    // index is made again from empty by the background indexer (fts_upto 0); until it catches up a
    // search reads the unindexed messages directly, within its time budget.
    "DROP TRIGGER messages_ad;"
    "DROP TABLE messages_fts;"
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', "
    "  tokenize='unicode61', columnsize=0);"
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_upto', 0);"
    "CREATE TRIGGER messages_ad AFTER DELETE ON messages "
    "  WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto') BEGIN "
    "  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END;",
    // 6: every room with stored messages has a row in `rooms` (written with its first message from now
    // on), so a room nobody is in is still listed; the spelling of its oldest message. One seek of the
    // conv index per room (a skip scan), not a pass over every message.
    "WITH RECURSIVE c(k) AS (SELECT (SELECT min(conv) FROM messages) "
    "  UNION ALL SELECT (SELECT min(conv) FROM messages WHERE conv > k) FROM c WHERE k IS NOT NULL) "
    "INSERT OR IGNORE INTO rooms(key, name, topic, topic_by, topic_ts) "
    "  SELECT k, (SELECT room FROM messages WHERE conv = k ORDER BY id LIMIT 1), '', '', 0 FROM c "
    "  WHERE k IS NOT NULL AND substr(k, 1, 1) = '#';",
};

int user_version(sqlite3* db, int& out) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

}  // namespace

int migrate(sqlite3* db) {
    int have = 0;
    int rc = user_version(db, have);
    if (rc != SQLITE_OK) return rc;
    const int want = static_cast<int>(std::size(migrations));
    if (have == want) return SQLITE_OK;
    // A database from a newer chatd: refuse to touch it rather than guess.
    if (have > want) return SQLITE_MISMATCH;
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (int v = have; v < want && rc == SQLITE_OK; ++v) rc = sqlite3_exec(db, migrations[v], nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
        const std::string set = "PRAGMA user_version=" + std::to_string(want);
        rc = sqlite3_exec(db, set.c_str(), nullptr, nullptr, nullptr);
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return rc;
}

}  // namespace chat
