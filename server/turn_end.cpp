#include "turn_end.hpp"

namespace chat {

namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

// While drains stop at their bound, the drained hooks (a fresh admission bound) run only after this
// many of them in a row (16 384 clients written at the default bound): set-up work waits while a
// backlog is written, but not for ever.
constexpr std::size_t cut_drains_per_turn_over = 64;

}  // namespace

void turn_end::request() {
    if (in_hooks_) return;  // a hook's own appends are committed by that hook
    dirty_ = true;
    post_drain();
}

void turn_end::want_flush(turn_writer& w) {
    dirty_ = true;
    if (w.turn_slot_ != none || shut_down_) return;
    w.turn_slot_ = pending_.size();
    pending_.push_back(&w);
    post_drain();
}

void turn_end::want_flush_later(turn_writer& w) {
    if (delay_.count() == 0) return want_flush(w);
    if (w.turn_slot_ != none || w.later_slot_ != none || shut_down_) return;
    w.later_slot_ = later_.size();
    later_.push_back(&w);
    if (later_armed_) return;
    later_armed_ = true;
    later_timer_.expires_after(delay_);
    later_timer_.async_wait([self = shared_from_this()](const asio::error_code&) { self->on_later_timer(); });
}

void turn_end::on_later_timer() {
    later_armed_ = false;
    if (shut_down_) return;
    std::vector<turn_writer*> due;
    due.swap(later_);
    for (turn_writer* w : due) {
        if (!w) continue;
        w->later_slot_ = none;
        want_flush(*w);
    }
}

void turn_end::forget(turn_writer& w) {
    if (w.later_slot_ != none) {
        later_[w.later_slot_] = nullptr;
        w.later_slot_ = none;
    }
    if (w.turn_slot_ == none) return;
    pending_[w.turn_slot_] = nullptr;
    w.turn_slot_ = none;
}

void turn_end::commit_early() {
    if (dirty_) run_hooks();
}

void turn_end::shut_down() {
    shut_down_ = true;
    hooks_.clear();
    drained_hooks_.clear();
    for (turn_writer* w : pending_) {
        if (w) w->turn_slot_ = none;
    }
    pending_.clear();
    carried_ = 0;
    for (turn_writer* w : later_) {
        if (w) w->later_slot_ = none;
    }
    later_.clear();
    later_timer_.cancel();
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

bool turn_end::flush_at(std::size_t i) {
    turn_writer* w = pending_[i];
    if (!w) return false;
    pending_[i] = nullptr;
    w->turn_slot_ = none;
    if (w->later_slot_ != none) {  // what waited goes out with this write
        later_[w->later_slot_] = nullptr;
        w->later_slot_ = none;
    }
    w->flush_turn();
    return true;
}

void turn_end::drain() {
    // posted_ stays set while draining: output given during the drain is flushed by this loop.
    if (shut_down_) return;
    ++drains_;
    // The writers given output since the last drain go first (those of a message read between two
    // drains are not queued behind what a crowd's backlog left), then those the last drain left.
    // A flush may close a session, whose quit notices give others output: they are flushed in this
    // drain too, after the hooks have run again.
    const std::size_t carried = carried_;
    std::size_t fresh = carried;  // next of those given output since
    std::size_t old = 0;          // next of those left by the last drain
    std::size_t budget = per_drain_ == 0 ? std::numeric_limits<std::size_t>::max() : per_drain_;
    for (;;) {
        if (dirty_) run_hooks();
        std::size_t* next = fresh < pending_.size() ? &fresh : old < carried ? &old : nullptr;
        if (next == nullptr) break;
        if (budget == 0) return carry_over(old, fresh);
        if (flush_at((*next)++)) --budget;
        if (shut_down_) return;
    }
    pending_.clear();
    carried_ = 0;
    posted_ = false;
    cuts_in_a_row_ = 0;
    for (std::size_t i = 0; i < drained_hooks_.size(); ++i) drained_hooks_[i]();
}

void turn_end::carry_over(std::size_t old_from, std::size_t fresh_from) {
    ++cut_drains_;
    std::size_t kept = 0;
    auto keep = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            turn_writer* w = pending_[i];
            if (!w) continue;
            w->turn_slot_ = kept;
            pending_[kept++] = w;
        }
    };
    // In place, front to back: every writer moves to an index at or below its own.
    keep(old_from, carried_);
    keep(fresh_from, pending_.size());
    pending_.resize(kept);
    carried_ = kept;
    // posted_ stays set: this drain is not over until the next one has written the rest.
    asio::post(ex_, [self = shared_from_this()] { self->drain(); });
    // Each set-up frame (a join) adds a notice for every member and a member list to the backlog:
    // a fresh bound after every cut drain cost a crowd of 5000 joining 25 % more CPU, one after
    // every 8 still 12 %, one after every 64 some 7 % (docs/performance.md, *Crowds*).
    if (++cuts_in_a_row_ % cut_drains_per_turn_over != 0) return;
    for (std::size_t i = 0; i < drained_hooks_.size(); ++i) drained_hooks_[i]();
}

}  // namespace chat
