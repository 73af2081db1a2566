// A connected peer as the chat core sees it: where its frames go, and the chat state kept for it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat {

class room;

// One encoded frame, shared by every queue it is delivered to.
using line_ptr = std::shared_ptr<const std::string>;

inline line_ptr share(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

// What the dispatcher remembers about a peer. Lives inside the participant so the hot paths need no
// lookup from peer to state.
struct peer_state {
    // Notices kept in the rooms' journals (dispatcher::journal_notices): the dispatcher's count of
    // notices sent (null while notices go straight to the queue), and how many of them this peer
    // has been given. First, so every delivery's check reads the cache line the call reads anyway.
    const std::uint64_t* notices_sent = nullptr;
    std::uint64_t notices_seen = 0;
    std::string nick;                 // as the user spelled it; empty until hello succeeded
    std::string key;                  // the client certificate's key ("SHA256:..."); empty without one
    bool registered = false;
    bool gone = false;                // left the chat: no more frames handled, no more notices
    std::vector<room*> rooms;         // rooms joined, in join order
    double tokens = 0;                // rate-limit bucket; refilled lazily from `refilled`
    std::chrono::steady_clock::time_point refilled{};
    std::size_t flood_refusals = 0;   // rate_limited answers in a row
    std::size_t strikes = 0;          // protocol-level refusals in a row
    std::uint64_t mark = 0;           // fan-out stamp so a peer in several rooms is told once
    std::string away;                 // the away reason; empty while present
    std::vector<std::string> away_told;  // folded nicks already sent `away` for this absence
};

class participant {
public:
    virtual ~participant() = default;

    // Queues one encoded frame, after the notices waiting for this peer in its rooms' journals.
    // Never blocks, never closes synchronously, and never calls back into the dispatcher: it runs
    // inside fan-out loops.
    void deliver(const line_ptr& line) {
        catch_up();
        put(line);
    }

    // Queues a notice nobody is waiting for (someone else's join, part or quit). It may wait for
    // the peer's next write, at most --notice-delay, so a crowd joining at once costs each member
    // a few writes instead of one per joiner; it is never reordered or dropped.
    void deliver_notice(const line_ptr& line) {
        catch_up();
        put_notice(line);
    }

    // Queues the notices that wait for this peer in its rooms' journals, in the order they were
    // sent, each once (a quit is in every room the two shared). Cheap when none wait.
    void catch_up() {
        if (chat_.notices_sent != nullptr && chat_.notices_seen < *chat_.notices_sent) take_journals();
    }

    // The dispatcher has let this peer go (quit, bad version, too many errors, excess flood): flush
    // what is queued, then close. `reason` is for the log.
    virtual void close_after_flush(std::string_view reason) = 0;

    peer_state& chat() { return chat_; }
    const peer_state& chat() const { return chat_; }

protected:
    // The transport's queue: deliver() and deliver_notice() end here, with the same promises.
    virtual void put(const line_ptr& line) = 0;
    virtual void put_notice(const line_ptr& line) { put(line); }

private:
    void take_journals();  // in room.cpp

    peer_state chat_;
};

}  // namespace chat
