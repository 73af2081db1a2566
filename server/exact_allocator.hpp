// The allocator given to the handlers of an idle connection's long waits (its read wait and its
// watchdog). Without one, Asio takes a handler's memory from a per-thread cache of recycled
// blocks, so such a wait keeps whatever block a finished operation left there (after a burst of
// connections, the 331-byte block of an accept), where it needs about half of it. With this, the
// wait asks the heap for its own size, and the recycled blocks stay with the short operations.
#pragma once

#include <cstddef>
#include <new>

namespace chat {

template <typename T>
struct exact_allocator {
    using value_type = T;

    exact_allocator() noexcept = default;
    template <typename U>
    exact_allocator(const exact_allocator<U>&) noexcept {}

    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }

    template <typename U>
    bool operator==(const exact_allocator<U>&) const noexcept { return true; }
    template <typename U>
    bool operator!=(const exact_allocator<U>&) const noexcept { return false; }
};

}  // namespace chat
