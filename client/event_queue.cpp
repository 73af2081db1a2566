#include "event_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <system_error>

namespace chat::client {

event_queue::event_queue(std::size_t capacity, bool lossless)
    : capacity_(std::max<std::size_t>(capacity, 2)), lossless_(lossless) {
    fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

event_queue::~event_queue() { ::close(fd_); }

void event_queue::drop_one() {
    auto it = std::find_if(events_.begin(), events_.end(), [](const net_event& e) { return e.droppable(); });
    if (it == events_.end()) return;  // only state changes queued: keep them all, they are few
    events_.erase(it);
    ++skipped_;
    ++dropped_total_;
}

void event_queue::push(net_event ev) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (lossless_) {
            events_.push_back(std::move(ev));
        } else if (events_.size() >= capacity_) {
            if (ev.droppable() && std::none_of(events_.begin(), events_.end(),
                                               [](const net_event& e) { return e.droppable(); })) {
                ++skipped_;
                ++dropped_total_;
            } else {
                drop_one();
                events_.push_back(std::move(ev));
            }
        } else {
            events_.push_back(std::move(ev));
        }
        if (!signalled_) {
            signalled_ = true;
            wake = true;
        }
    }
    if (wake) {
        const std::uint64_t one = 1;
        // The counter cannot overflow with one write per drain, so a failed write cannot happen
        // in practice; if it did, the consumer would still see the events on its next wake-up.
        [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
    }
}

bool event_queue::has_room() {
    std::lock_guard lock(mutex_);
    if (!lossless_ || events_.size() < capacity_) return true;
    want_room_ = true;
    return false;
}

void event_queue::set_on_room(std::function<void()> on_room) {
    std::lock_guard lock(mutex_);
    on_room_ = std::move(on_room);
}

std::vector<net_event> event_queue::pop_batch(std::size_t max, bool& more) {
    std::vector<net_event> out;
    std::function<void()> room;
    {
        std::lock_guard lock(mutex_);
        if (skipped_ > 0 && max > 0) {
            net_event marker;
            marker.what = net_event::kind::skipped;
            marker.number = static_cast<std::int64_t>(skipped_);
            skipped_ = 0;
            out.push_back(std::move(marker));
        }
        while (out.size() < max && !events_.empty()) {
            out.push_back(std::move(events_.front()));
            events_.pop_front();
        }
        more = !events_.empty() || skipped_ > 0;
        if (!more && signalled_) {
            std::uint64_t value = 0;
            [[maybe_unused]] const auto n = ::read(fd_, &value, sizeof value);
            signalled_ = false;
        }
        // A producer that stopped reading goes on once half the queue is free (not at every event).
        if (want_room_ && events_.size() <= capacity_ / 2) {
            want_room_ = false;
            room = on_room_;
        }
    }
    if (room) room();  // outside the lock: it may post to the producer's thread
    return out;
}

std::size_t event_queue::size() const {
    std::lock_guard lock(mutex_);
    return events_.size();
}

std::size_t event_queue::dropped_total() const {
    std::lock_guard lock(mutex_);
    return dropped_total_;
}

}  // namespace chat::client
