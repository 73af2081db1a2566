// The message store's schema and its migrations, in one place: PRAGMA user_version is the number of
// migrations applied. To change the schema, append a migration; never edit one that has shipped.
#pragma once

struct sqlite3;

namespace chat {

// Brings the database to the newest schema in one transaction; an SQLite result code.
int migrate(sqlite3* db);

}  // namespace chat
