// Gives freed heap back to the system once a burst of connections is over. Set-up leaves holes in
// glibc's heap (a handshake's buffers and a crowd's join notices are freed, the sessions between them
// stay), and glibc returns only the top of the heap by itself; malloc_trim(0) also releases whole
// free pages inside it. Measured at 1000 idle TLS clients: 1.2 KB of resident memory per connection
// (docs/performance.md). A trim runs once no event has come for `delay`, so the last connections
// of a burst are set up (their handshakes' buffers freed) before it, and none runs in the middle of
// a burst, where it would only stall the loop; a burst that never pauses is trimmed every
// `max_wait`. Only when the heap holds at least `min_free` free bytes.
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

    // `max_wait` 0: 40 times `delay`.
    heap_trim(asio::any_io_executor ex, std::chrono::milliseconds delay, std::size_t min_free, heap_ops ops = glibc(),
              std::chrono::milliseconds max_wait = std::chrono::milliseconds(0));
    heap_trim(const heap_trim&) = delete;
    heap_trim& operator=(const heap_trim&) = delete;

    // A connection came or went: a trim follows once none has for `delay`.
    void note();
    void stop();

    std::uint64_t trims() const { return trims_; }

private:
    using clock = std::chrono::steady_clock;
    void wait_until(clock::time_point at);
    void on_timer();

    asio::steady_timer timer_;
    std::chrono::milliseconds delay_;
    std::chrono::milliseconds max_wait_;
    clock::time_point first_note_{};  // the first event since the last trim
    clock::time_point last_note_{};
    std::size_t min_free_;
    heap_ops ops_;
    bool armed_ = false;
    bool stopped_ = false;
    std::uint64_t trims_ = 0;
};

}  // namespace chat
