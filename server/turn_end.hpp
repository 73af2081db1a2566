// The end of one turn of the event loop, as Redis's beforeSleep: the hooks run (a store's group
// commit), then every session that was given output during the turn writes it in one gathered write.
// A turn ends when the handlers that were ready together have run: the first session to get output
// (or a request()) posts one drain, which the loop runs after them. Output nobody waits for (notices)
// may instead wait up to a delay for a turn that writes that session anyway. A drain writes at most
// a bounded number of sessions; the rest are written by a drain posted behind the input ready by
// then, and the sessions given output in between are written first.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include <chrono>

#include <asio.hpp>

namespace chat {

// What the drain flushes: a session, seen only through this.
class turn_writer {
public:
    // Writes what is queued, without waiting (one gathered write; the rest when the transport is
    // ready again).
    virtual void flush_turn() = 0;

protected:
    ~turn_writer() = default;

private:
    friend class turn_end;
    std::size_t turn_slot_ = std::numeric_limits<std::size_t>::max();  // index in pending_, or max()
    std::size_t later_slot_ = std::numeric_limits<std::size_t>::max();  // index in later_, or max()
};

class turn_end : public std::enable_shared_from_this<turn_end> {
public:
    // Output given with want_flush_later() waits at most `delay` (0: it is flushed this turn). One
    // drain flushes at most `per_drain` writers (0: every one that has output).
    turn_end(asio::any_io_executor ex, std::chrono::milliseconds delay, std::size_t per_drain = 0)
        : ex_(ex), later_timer_(ex), delay_(delay), per_drain_(per_drain) {}

    // Registers `hook` to run at the end of every turn in which output was queued or request() was
    // called, before any of that output reaches a transport. A hook also runs early, in the middle
    // of a turn, when a send queue reaches its cap and must write what it holds at once
    // (commit_early()). Hooks run in the order they were added; they may queue output.
    void on_end(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }
    // Registers `hook` to run once at the very end of each drain, after the turn's output was
    // written (the admission bound starts afresh); while drains stop at their bound, after every
    // few of them.
    void on_drained(std::function<void()> hook) { drained_hooks_.push_back(std::move(hook)); }
    // Ends this turn with a drain even if no session gets output (a store with appends to commit).
    void request();

    // `w` has output: flush it when the turn ends. Once per turn however often it is called.
    void want_flush(turn_writer& w);
    // `w` has output that can wait: flush it with the first turn that flushes it anyway, or once the
    // delay has passed.
    void want_flush_later(turn_writer& w);
    // `w` is going away: it is not flushed.
    void forget(turn_writer& w);
    // A send queue must write before the turn ends: run the hooks now if this turn queued anything.
    void commit_early();
    // The server is going: hooks and pending writers are dropped; a posted drain does nothing.
    void shut_down();

    // Drains run (for tests), and the drains that left writers for the next one (the server trims
    // the heap once such a backlog is written).
    std::size_t drains() const { return drains_; }
    std::size_t cut_drains() const { return cut_drains_; }

private:
    void post_drain();
    void drain();
    // Flushes pending_[i] (unless forgotten); false when it was forgotten.
    bool flush_at(std::size_t i);
    // The drain stopped at its bound: the writers not flushed move to the front of pending_, the
    // older ones first, and the next drain is posted.
    void carry_over(std::size_t old_from, std::size_t fresh_from);
    void run_hooks();
    void on_later_timer();

    asio::any_io_executor ex_;
    std::vector<std::function<void()>> hooks_;
    std::vector<std::function<void()>> drained_hooks_;
    // Null where a writer was flushed or forgotten. The first carried_ were left by the last drain;
    // the rest were given output since.
    std::vector<turn_writer*> pending_;
    std::size_t carried_ = 0;
    std::vector<turn_writer*> later_;    // waiting for the delay; null where flushed or forgotten
    asio::steady_timer later_timer_;
    std::chrono::milliseconds delay_;
    std::size_t per_drain_;
    bool later_armed_ = false;
    bool posted_ = false;
    bool dirty_ = false;  // output or a request since the hooks last ran
    bool shut_down_ = false;
    bool in_hooks_ = false;
    std::size_t drains_ = 0;
    std::size_t cut_drains_ = 0;
    std::size_t cuts_in_a_row_ = 0;
};

}  // namespace chat
