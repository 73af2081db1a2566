#include "heap_trim.hpp"

#include <algorithm>
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

heap_trim::heap_trim(asio::any_io_executor ex, std::chrono::milliseconds delay, std::size_t min_free, heap_ops ops,
                     std::chrono::milliseconds max_wait)
    : timer_(ex),
      delay_(delay),
      max_wait_(max_wait.count() > 0 ? max_wait : 40 * delay),
      min_free_(min_free),
      ops_(std::move(ops)) {}

void heap_trim::note() {
    if (stopped_) return;
    last_note_ = clock::now();
    if (armed_) return;  // the wait looks at last_note_ when it ends
    armed_ = true;
    first_note_ = last_note_;
    wait_until(last_note_ + delay_);
}

void heap_trim::wait_until(clock::time_point at) {
    timer_.expires_at(at);
    timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;  // cancelled: `this` may be gone
        on_timer();
    });
}

void heap_trim::on_timer() {
    if (stopped_) return;
    const auto quiet_at = last_note_ + delay_;
    const auto latest = first_note_ + max_wait_;
    const auto now = clock::now();
    if (now < quiet_at && now < latest) return wait_until(std::min(quiet_at, latest));
    armed_ = false;
    if (ops_.free_bytes() < min_free_) return;
    ops_.trim();
    ++trims_;
}

void heap_trim::stop() {
    stopped_ = true;
    timer_.cancel();
}

}  // namespace chat
