// The client's clocks. Only the loops that drive update (and the view) read them: update gets the
// time of each event as model::now, so it reads no clock and tests choose the time.
#pragma once

#include <chrono>
#include <cstdint>

namespace chat::client {

// Steady-clock milliseconds.
inline std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The time an update happens at.
struct moment {
    std::int64_t utc_ms = 0;     // wall clock: the stamp of local lines and of server lines without a usable ts
    std::int64_t steady_ms = 0;  // the reconnect countdown and the outgoing rate budget
};

inline moment clock_now() {
    const auto utc = std::chrono::system_clock::now().time_since_epoch();
    return {std::chrono::duration_cast<std::chrono::milliseconds>(utc).count(), steady_ms()};
}

}  // namespace chat::client
