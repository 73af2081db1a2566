#include "heap_trim.hpp"

#include <utility>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace chat {

heap_trim::heap_ops heap_trim::glibc() {
#if defined(__GLIBC__)
    return {[] { return static_cast<std::size_t>(mallinfo2().fordblks); }, [] { malloc_trim(0); }};
#else
    return {[] { return std::size_t{0}; }, [] {}};
#endif
}

heap_trim::heap_trim(asio::any_io_executor ex, std::chrono::milliseconds delay, std::size_t min_free, heap_ops ops)
    : timer_(ex), delay_(delay), min_free_(min_free), ops_(std::move(ops)) {}

void heap_trim::note() {
    if (armed_ || stopped_) return;
    armed_ = true;
    timer_.expires_after(delay_);
    timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;  // cancelled: `this` may be gone
        armed_ = false;
        if (stopped_) return;
        if (ops_.free_bytes() < min_free_) return;
        ops_.trim();
        ++trims_;
    });
}

void heap_trim::stop() {
    stopped_ = true;
    timer_.cancel();
}

}  // namespace chat
