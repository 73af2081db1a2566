// The heap trimmer: one trim per burst of connection events, once none has come for `delay`, or
// every `max_wait` in a burst that never pauses; only when enough of the heap is free; nothing after
// stop(). Fake heap operations, delays of a few ms, the io_context run until the timer has fired
// (with a deadline). Timers never fire early, so "not before" holds on any machine.
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include <asio.hpp>

#include "heap_trim.hpp"

namespace {

struct fake_heap {
    std::size_t free = 0;
    int asked = 0;   // free_bytes calls: the timer fired
    int trimmed = 0;
    chat::heap_trim::heap_ops ops() {
        return {[this] {
                    ++asked;
                    return free;
                },
                [this] { ++trimmed; }};
    }
};

// Runs `io` until `done` holds, or 5 s have passed.
template <class Done>
void run_until(asio::io_context& io, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    io.restart();
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
}

}  // namespace

TEST_CASE("a burst of connection events makes one trim, the next burst another") {
    asio::io_context io;
    fake_heap heap{.free = 1 << 20};
    chat::heap_trim t(io.get_executor(), std::chrono::milliseconds(1), 256 * 1024, heap.ops());
    for (int i = 0; i < 100; ++i) t.note();
    run_until(io, [&] { return heap.asked > 0; });
    CHECK(heap.asked == 1);
    CHECK(heap.trimmed == 1);
    CHECK(t.trims() == 1);
    t.note();
    t.note();
    run_until(io, [&] { return heap.asked > 1; });
    CHECK(heap.asked == 2);
    CHECK(heap.trimmed == 2);
}

TEST_CASE("an event during the wait moves the trim to `delay` after it: the burst's last connections are set up first") {
    asio::io_context io;
    fake_heap heap{.free = 1 << 20};
    const auto delay = std::chrono::milliseconds(40);
    chat::heap_trim t(io.get_executor(), delay, 256 * 1024, heap.ops());
    t.note();
    // Half the delay later, another connection.
    const auto half = std::chrono::steady_clock::now() + delay / 2;
    io.restart();
    io.run_until(half);
    CHECK(heap.asked == 0);
    t.note();
    const auto last = std::chrono::steady_clock::now();
    run_until(io, [&] { return heap.asked > 0; });
    CHECK(std::chrono::steady_clock::now() - last >= delay);
    CHECK(heap.asked == 1);
    CHECK(heap.trimmed == 1);
}

TEST_CASE("a burst that never pauses is still trimmed every max_wait") {
    asio::io_context io;
    fake_heap heap{.free = 1 << 20};
    chat::heap_trim t(io.get_executor(), std::chrono::milliseconds(20), 256 * 1024, heap.ops(),
                      std::chrono::milliseconds(60));
    // An event every 5 ms for at least 200 ms: never 20 ms without one.
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200)) {
        t.note();
        io.restart();  // run_for stops for good once the context runs out of work
        io.run_for(std::chrono::milliseconds(5));
    }
    CHECK(heap.trimmed >= 1);
    CHECK(heap.trimmed <= 4);  // at most one per max_wait, not one per delay
}

TEST_CASE("a heap with little free memory is not trimmed") {
    asio::io_context io;
    fake_heap heap{.free = 1000};
    chat::heap_trim t(io.get_executor(), std::chrono::milliseconds(1), 256 * 1024, heap.ops());
    t.note();
    run_until(io, [&] { return heap.asked > 0; });
    CHECK(heap.asked == 1);
    CHECK(heap.trimmed == 0);
}

TEST_CASE("no trim after stop") {
    asio::io_context io;
    fake_heap heap{.free = 1 << 20};
    chat::heap_trim t(io.get_executor(), std::chrono::milliseconds(1), 256 * 1024, heap.ops());
    t.note();
    t.stop();
    t.note();
    io.restart();
    io.run_for(std::chrono::milliseconds(20));  // the cancelled wait completes; nothing else is queued
    CHECK(heap.asked == 0);
    CHECK(heap.trimmed == 0);
}

// Only when glibc's malloc is the allocator: AddressSanitizer brings its own, which glibc's counts
// do not see.
#if defined(__SANITIZE_ADDRESS__)
#define CHAT_GLIBC_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHAT_GLIBC_MALLOC 0
#endif
#endif
#if !defined(CHAT_GLIBC_MALLOC) && defined(__GLIBC__)
#define CHAT_GLIBC_MALLOC 1
#elif !defined(CHAT_GLIBC_MALLOC)
#define CHAT_GLIBC_MALLOC 0
#endif

TEST_CASE("glibc's free count sees holes in the heap") {
#if CHAT_GLIBC_MALLOC
    // Every second block freed: 2 MiB of holes that cannot merge, as set-up leaves them.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 1024; ++i) blocks.emplace_back(new char[4096]);
    const std::size_t before = chat::heap_trim::glibc().free_bytes();
    for (std::size_t i = 0; i < blocks.size(); i += 2) blocks[i].reset();
    CHECK(chat::heap_trim::glibc().free_bytes() >= before + 512 * 4096);
    chat::heap_trim::glibc().trim();
#endif
}
