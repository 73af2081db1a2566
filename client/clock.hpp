// The client's steady clock, for countdowns and the outgoing rate budget (message stamps use
// chat::now_ms, wall-clock UTC).
#pragma once

#include <chrono>
#include <cstdint>

namespace chat::client {

// Steady-clock milliseconds.
inline std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace chat::client
