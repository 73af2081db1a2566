// The bounds every peer's input is held to; each is a chatd flag (see docs/reliability.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chat {

inline constexpr int protocol_version = 1;
inline constexpr std::uint16_t default_port = 7667;
inline constexpr const char* default_room = "#lobby";
// Messages one `history` answer carries at most, and results one `search` answer carries at most.
inline constexpr std::size_t max_history_page = 100;
inline constexpr std::size_t max_search_results = 50;
// Rooms nobody is in (kept by the store) one `rooms` answer lists at most, beside the live ones: the
// answer stays well under the 1 MiB line a client accepts.
inline constexpr std::size_t max_stored_rooms_listed = 1000;

// What one client keeps of lines typed or piped while offline or faster than the rate limit: all
// of them, in order, up to this many bytes of text; past it the input is refused, never dropped.
inline constexpr std::size_t max_pending_bytes = 1024 * 1024;

// The client's other bounds on what it holds, in one place (chat's model, connection and queue).
namespace client_bounds {
inline constexpr std::size_t window_lines = 5000;                // lines kept per window
inline constexpr std::size_t window_bytes = 4 * 1024 * 1024;     // text per window: 4 KiB lines cannot add up to gigabytes
inline constexpr std::size_t windows = 64;                       // a flood of pms from new nicks opens no more
inline constexpr std::size_t input_history = 200;                // typed lines Up can bring back
inline constexpr std::size_t server_line = 1024 * 1024;          // longest server line (a busy /rooms is large)
inline constexpr std::size_t server_depth = 8;                   // JSON nesting of a server line
inline constexpr std::size_t send_bytes = 1024 * 1024;           // frames queued for the socket before new ones are refused
inline constexpr std::size_t event_queue = 8192;                 // network events waiting for the UI thread
}  // namespace client_bounds

struct limits {
    std::size_t max_frame = 16 * 1024;          // bytes per line, without '\n'
    std::size_t max_depth = 8;                  // JSON nesting
    std::size_t max_text = 4096;                // bytes of message text
    std::size_t max_lines = 50;                 // lines in one message (text split at '\n')
    std::size_t max_nick = 16;                  // bytes
    std::size_t max_room_name = 32;             // bytes after '#'
    std::size_t max_topic = 256;                // bytes
    std::size_t max_rooms_per_client = 32;
    std::size_t max_rooms = 1000;
    std::size_t history = 100;                  // messages kept per room
    std::size_t max_clients = 1000;             // clamped to RLIMIT_NOFILE - 32 at start
    std::size_t max_per_ip = 16;
    std::size_t sendq = 1024 * 1024;            // bytes queued for one client before it is cut off
    double rate = 5;                            // counted frames per second; 0 = no limit
    double burst = 10;
    std::size_t max_errors = 10;                // refused frames in a row before the connection closes
    std::chrono::milliseconds hello_timeout{10'000};
    std::chrono::milliseconds ping_interval{45'000};
    std::chrono::milliseconds ping_timeout{30'000};
    std::chrono::milliseconds write_stall{30'000};  // queued output that moves no byte this long; 0 = never
    std::chrono::milliseconds shutdown_grace{2'000};
    // Join, part and quit notices may wait this long for a write that carries other output; 0 = none.
    std::chrono::milliseconds notice_delay{50};
    // Clients one end-of-turn drain writes at most; the rest are written after the input ready by
    // then has been read. 0 = every client with output, in the turn.
    std::size_t writes_per_turn = 256;
    // Hellos and joins handled in one turn of the event loop; more wait their turn; 0 = no bound.
    std::size_t joins_per_turn = 16;
    // A room with more members than this sends no join, part or quit notices about its members
    // (feature quiet_rooms); 0 = every room sends them.
    std::size_t quiet_rooms = 0;
    std::size_t nicks_per_key = 3;              // nicks one client key may own (feature tls_identity)
    // Offline private messages (feature offline_pm) waiting for one owned nick: a count (0 = the
    // feature is off) and text bytes (also bounded to sendq/8, so a login's delivery fits the
    // sendq beside the lobby's history); and waiting for all nicks together.
    std::size_t offline_messages = 100;
    std::size_t offline_bytes = 64 * 1024;
    std::size_t offline_total = 10'000;
};

}  // namespace chat
