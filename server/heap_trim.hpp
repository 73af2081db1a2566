// Gives freed heap back to the system once a burst of connections is over. Set-up leaves holes in
// glibc's heap (a handshake's buffers and a crowd's join notices are freed, the sessions between them
// stay), and glibc returns only the top of the heap by itself; malloc_trim(0) also releases whole
// free pages inside it. Measured at 1000 idle TLS clients: 1.2 KB of resident memory per connection
// (docs/performance.md). A trim runs `delay` after the first event of a burst, so at most one per
// delay, and only when the heap holds at least `min_free` free bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include <asio.hpp>

namespace chat {

class heap_trim {
public:
    // How free memory is counted and given back; the defaults are glibc's (tests inject others).
    struct heap_ops {
        std::function<std::size_t()> free_bytes;
        std::function<void()> trim;
    };
    static heap_ops glibc();

    heap_trim(asio::any_io_executor ex, std::chrono::milliseconds delay, std::size_t min_free, heap_ops ops = glibc());
    heap_trim(const heap_trim&) = delete;
    heap_trim& operator=(const heap_trim&) = delete;

    // A connection came or went: a trim follows within `delay`.
    void note();
    void stop();

    std::uint64_t trims() const { return trims_; }

private:
    asio::steady_timer timer_;
    std::chrono::milliseconds delay_;
    std::size_t min_free_;
    heap_ops ops_;
    bool armed_ = false;
    bool stopped_ = false;
    std::uint64_t trims_ = 0;
};

}  // namespace chat
