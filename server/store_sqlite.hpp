// The store on disk: one SQLite database (WAL, FTS5 for search) in chatd's state directory, written
// by this process alone, one transaction per loop turn. When the disk fails it says so in one log line,
// keeps what it could not write in memory (bounded), and tries again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store.hpp"

namespace chat {

struct sqlite_settings {
    std::string dir;                 // the state directory; made (0700) if missing
    bool full_sync = false;          // synchronous=FULL: an fsync per commit (power-loss safe)
    std::int64_t retain_days = 0;    // 0: keep messages whatever their age
    std::size_t retain_messages = 0; // per room and conversation; 0: no count limit
    std::uint64_t max_bytes = 0;     // the database's size bound; 0: none
    std::size_t per_room = 100;      // what the memory fallback keeps while the disk fails
    // The write-ahead log is checkpointed by tick() once it holds this many pages (4 KiB each), and
    // by the commit itself once it holds the bound (a flood that never leaves the loop idle).
    int checkpoint_pages = 1000;
    int max_wal_pages = 16'384;
};

// Why a store could not be started at all: another chatd holds the state directory.
struct store_refused {
    std::string message;
};

// Opens (or creates) the store. Disk faults never refuse: the store starts memory-only, logs the
// fault through `note` and retries in tick(). Only a second chatd on the same directory is refused.
std::unique_ptr<store> open_sqlite_store(const sqlite_settings& s, std::function<void(const std::string&)> note,
                                         store_refused& refused);

// The default state directory: $XDG_STATE_HOME/chatd, else ~/.local/state/chatd.
std::string default_state_dir();

}  // namespace chat
