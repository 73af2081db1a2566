// The end of one turn of the event loop, as Redis's beforeSleep: the hooks run (a store's group
// commit), then every session that was given output during the turn writes it in one gathered write.
// A turn ends when the handlers that were ready together have run: the first session to get output
// (or a request()) posts one drain, which the loop runs after them.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

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
};

class turn_end : public std::enable_shared_from_this<turn_end> {
public:
    explicit turn_end(asio::any_io_executor ex) : ex_(std::move(ex)) {}

    // Registers `hook` to run at the end of every turn in which output was queued or request() was
    // called, before any of that output reaches a transport. A hook also runs early, in the middle
    // of a turn, when a send queue reaches its cap and must write what it holds at once
    // (commit_early()). Hooks run in the order they were added; they may queue output.
    void on_end(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }
    // Ends this turn with a drain even if no session gets output (a store with appends to commit).
    void request();

    // `w` has output: flush it when the turn ends. Once per turn however often it is called.
    void want_flush(turn_writer& w);
    // `w` is going away: it is not flushed.
    void forget(turn_writer& w);
    // A send queue must write before the turn ends: run the hooks now if this turn queued anything.
    void commit_early();
    // The server is going: hooks and pending writers are dropped; a posted drain does nothing.
    void shut_down();

    // Counts for tests: drains run, and writers flushed by them.
    std::size_t drains() const { return drains_; }

private:
    void post_drain();
    void drain();
    void run_hooks();

    asio::any_io_executor ex_;
    std::vector<std::function<void()>> hooks_;
    std::vector<turn_writer*> pending_;  // null where a writer was forgotten
    bool posted_ = false;
    bool dirty_ = false;  // output or a request since the hooks last ran
    bool shut_down_ = false;
    bool in_hooks_ = false;
    std::size_t drains_ = 0;
};

}  // namespace chat
