#include "admission.hpp"

namespace chat {

bool admission::may_start() {
    if (per_turn_ == 0) return true;
    if ((!line_.empty() && !serving_) || used_ >= per_turn_) return false;
    ++used_;
    return true;
}

void admission::wait(std::weak_ptr<admission_waiter> w) {
    ++deferred_;
    // The head of the line, resumed and out of bound again, keeps its place: a session's frames
    // are taken on in one run, as they would be without the bound.
    if (serving_) {
        line_.push_front(std::move(w));
    } else {
        line_.push_back(std::move(w));
    }
}

void admission::turn_over() {
    used_ = 0;
    if (line_.empty() || posted_ || shut_down_) return;
    posted_ = true;
    // Posted: the line is served in the next turn, after that turn's ready handlers have been read
    // (registered sessions' frames go through at once; set-up frames among them join the line).
    asio::post(ex_, [self = shared_from_this()] { self->serve(); });
}

void admission::serve() {
    posted_ = false;
    if (shut_down_) return;
    ++serves_;
    while (!line_.empty() && used_ < per_turn_) {
        const auto w = line_.front().lock();
        line_.pop_front();
        if (!w) continue;
        serving_ = true;
        w->resume();  // may wait() again, at the head of the line
        serving_ = false;
    }
}

void admission::shut_down() {
    shut_down_ = true;
    line_.clear();
}

}  // namespace chat
