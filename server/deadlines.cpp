#include "deadlines.hpp"

#include <algorithm>

namespace chat {

deadlines::deadlines(const limits& lim, time_point now)
    : lim_(lim), hello_deadline_(now + lim.hello_timeout), last_heard_(now) {}

void deadlines::closing(time_point now, std::chrono::milliseconds linger) {
    closing_ = true;
    linger_deadline_ = now + linger;
}

bool deadlines::write_blocked(time_point now) {
    if (stall_from_ != time_point::max()) return false;
    stall_from_ = now;
    return true;
}

void deadlines::write_progress(time_point now, bool all_written) {
    // Any byte taken is progress: a peer that reads, however slowly, is not stalled.
    if (all_written) {
        stall_from_ = time_point::max();
    } else if (stall_from_ != time_point::max()) {
        stall_from_ = now;
    }
}

bool deadlines::stalling() const { return lim_.write_stall.count() > 0 && stall_from_ != time_point::max(); }

deadlines::time_point deadlines::next(bool registered) const {
    if (closing_) return linger_deadline_;
    time_point at;
    if (!registered) {
        at = hello_deadline_;
    } else if (ping_outstanding_) {
        at = ping_sent_ + lim_.ping_timeout;
    } else {
        at = last_heard_ + lim_.ping_interval;
    }
    if (stalling()) at = std::min(at, stall_from_ + lim_.write_stall);
    return at;
}

deadlines::due deadlines::on_due(time_point now, bool registered) {
    if (closing_) return now >= linger_deadline_ ? due::linger_over : due::nothing;
    if (stalling() && now >= stall_from_ + lim_.write_stall) return due::write_stall;
    if (!registered) return now >= hello_deadline_ ? due::hello_timeout : due::nothing;
    if (ping_outstanding_) {
        if (last_heard_ > ping_sent_) {
            ping_outstanding_ = false;  // answered (any frame counts); the keep-alive starts over
            return due::nothing;
        }
        return now >= ping_sent_ + lim_.ping_timeout ? due::ping_timeout : due::nothing;
    }
    if (now < last_heard_ + lim_.ping_interval) return due::nothing;
    ping_outstanding_ = true;
    ping_sent_ = now;
    ++ping_token_;
    return due::send_ping;
}

std::string deadlines::seconds(std::chrono::milliseconds ms) {
    std::string s = std::to_string(static_cast<double>(ms.count()) / 1000.0);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

}  // namespace chat
