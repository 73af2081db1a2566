#include "turn_end.hpp"

namespace chat {

void turn_end::request() {
    if (in_hooks_) return;  // a hook's own appends are committed by that hook
    dirty_ = true;
    post_drain();
}

void turn_end::want_flush(turn_writer& w) {
    dirty_ = true;
    if (w.turn_slot_ != std::numeric_limits<std::size_t>::max() || shut_down_) return;
    w.turn_slot_ = pending_.size();
    pending_.push_back(&w);
    post_drain();
}

void turn_end::forget(turn_writer& w) {
    if (w.turn_slot_ == std::numeric_limits<std::size_t>::max()) return;
    pending_[w.turn_slot_] = nullptr;
    w.turn_slot_ = std::numeric_limits<std::size_t>::max();
}

void turn_end::commit_early() {
    if (dirty_) run_hooks();
}

void turn_end::shut_down() {
    shut_down_ = true;
    hooks_.clear();
    for (turn_writer* w : pending_) {
        if (w) w->turn_slot_ = std::numeric_limits<std::size_t>::max();
    }
    pending_.clear();
}

void turn_end::post_drain() {
    if (posted_ || shut_down_) return;
    posted_ = true;
    // Posted behind the handlers already queued: they are this turn.
    asio::post(ex_, [self = shared_from_this()] { self->drain(); });
}

void turn_end::run_hooks() {
    dirty_ = false;
    in_hooks_ = true;
    for (std::size_t i = 0; i < hooks_.size(); ++i) hooks_[i]();
    in_hooks_ = false;
}

void turn_end::drain() {
    // posted_ stays set while draining: output given during the drain is flushed by this loop.
    if (shut_down_) return;
    ++drains_;
    // A flush may close a session, whose quit notices give others output: they are flushed in this
    // drain too, after the hooks have run again.
    std::size_t from = 0;
    while (dirty_ || from < pending_.size()) {
        if (dirty_) run_hooks();
        const std::size_t to = pending_.size();
        for (std::size_t i = from; i < to; ++i) {
            turn_writer* w = pending_[i];
            if (!w) continue;
            pending_[i] = nullptr;
            w->turn_slot_ = std::numeric_limits<std::size_t>::max();
            w->flush_turn();
        }
        from = to;
        if (shut_down_) return;
    }
    pending_.clear();
    posted_ = false;
}

}  // namespace chat
