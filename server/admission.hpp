// How much set-up work one turn of the event loop takes on. A hello (which joins #lobby) and a join
// each tell every member of a room and copy its member list, so a crowd connecting at once would fill
// whole turns with them while the frames of people already here wait behind. At most `per_turn` of
// them are handled in a turn; the rest wait in line, each in its own session's input buffer (nothing
// more is read from a waiting session), and are handled in the next turns, first come first served.
// Nothing is dropped and no frame is reordered within a session.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>

#include <asio.hpp>

namespace chat {

// A session whose set-up frame waits in line: resume() handles it and what followed it.
class admission_waiter {
public:
    virtual void resume() = 0;

protected:
    ~admission_waiter() = default;
};

class admission : public std::enable_shared_from_this<admission> {
public:
    // per_turn 0: no bound, nobody waits.
    admission(asio::any_io_executor ex, std::size_t per_turn) : ex_(std::move(ex)), per_turn_(per_turn) {}

    // May a set-up frame be handled now? Yes while nobody is in line ahead of it and this turn's
    // bound is not spent (the waiter being resumed is at the head of the line). Counts it if so.
    bool may_start();
    // `w` could not start: it joins the back of the line (the head, if it is the one being resumed).
    void wait(std::weak_ptr<admission_waiter> w);
    // The turn has ended (its output written): a fresh bound, and the line is served next.
    void turn_over();
    // The server is going: nobody is resumed any more.
    void shut_down();

    std::size_t waiting() const { return line_.size(); }
    std::size_t per_turn() const { return per_turn_; }
    // Counts for tests: set-up frames that had to wait, turns that served the line.
    std::size_t deferred() const { return deferred_; }
    std::size_t serves() const { return serves_; }

private:
    void serve();

    asio::any_io_executor ex_;
    std::size_t per_turn_;
    std::size_t used_ = 0;  // set-up frames started this turn
    std::deque<std::weak_ptr<admission_waiter>> line_;
    bool serving_ = false;  // resume() of the head of the line is running
    bool posted_ = false;
    bool shut_down_ = false;
    std::size_t deferred_ = 0;
    std::size_t serves_ = 0;
};

}  // namespace chat
