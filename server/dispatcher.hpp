// The chat logic: turns one peer's frames into deliveries to peers, with every check of
// docs/protocol.md. Knows nothing of sockets, so it is tested with fake participants.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "fast_frame.hpp"
#include "limits.hpp"
#include "participant.hpp"
#include "protocol.hpp"
#include "registry.hpp"
#include "store.hpp"

namespace chat {

class dispatcher {
public:
    using clock = std::chrono::steady_clock;

    // `instance` identifies this server in welcome: the store's when it keeps one, else this one
    // (random hex when empty). Without a store, messages are kept in memory (make_memory_store).
    explicit dispatcher(const limits& lim, std::string instance = {}, std::unique_ptr<store> st = {});

    // One line from `p` (without '\n'): decoded, checked, handled. Refusals the protocol marks as
    // "not speaking the protocol" count as strikes; max_errors in a row closes the peer.
    // False when the line is set-up work (a hello, a join) that the admission check put off: nothing
    // was done, and the caller hands the same line again later.
    bool on_line(participant& p, std::string_view line, clock::time_point now);

    // Asked before each hello and join is handled; false puts it off (on_line returns false).
    using admission_check = std::function<bool()>;
    void set_admission(admission_check check) { may_set_up_ = std::move(check); }

    // Notices (joins, parts, quits) wait in a journal per room instead of in every member's send
    // queue: a member is given the ones for it, in order, before its next frame, or at the next
    // notice_round(), whichever comes first. So a crowd joining a big room costs one append per
    // notice and one visit per member per round, not a visit per member per notice. `arm` is
    // called when a notice waits and no round is due; the caller runs notice_round() within the
    // notice delay. Without this (tests of the chat logic alone) notices go straight to the queues.
    void journal_notices(std::function<void()> arm) { arm_round_ = std::move(arm); }
    // Every member of a room with notices waiting takes them; the journals are emptied.
    void notice_round();

    // An already decoded frame from `p`.
    void handle(participant& p, const frame& f, clock::time_point now);

    // `p` leaves the chat (closed, lost, timed out): everyone sharing a room with it is told once,
    // with `reason`; its nick and rooms are freed. Safe to call more than once. Must not be called
    // from inside participant::deliver.
    void leave(participant& p, std::string_view reason);

    // The end of a loop turn, before any output is written: the turn's messages are made durable.
    void end_turn() { store_->commit(); }
    // Background store work in a small step (pruning, retries); true when more is waiting.
    bool store_tick(std::int64_t now_ms) { return store_->tick(now_ms); }

    // --password-file: every hello must carry a `password` that `matches` accepts (a constant-time
    // comparison the caller supplies); a missing or wrong one is refused and the peer closed.
    void require_password(std::function<bool(std::string_view)> matches) { password_ok_ = std::move(matches); }

    // The server is stopping: leaving peers no longer cause quit notices.
    void begin_shutdown() { shutting_down_ = true; }

    const std::string& instance() const { return instance_; }
    const registry& state() const { return registry_; }
    const limits& bounds() const { return lim_; }
    const store& messages() const { return *store_; }
    std::uint64_t last_id() const { return next_id_; }

private:
    void on_hello(participant& p, const json& body);
    void on_join(participant& p, const json& body, const char* about);
    void on_part(participant& p, const json& body);
    void on_say(participant& p, const json& body);
    void on_pm(participant& p, const json& body);
    // A say or pm read by fast_decode: the same checks and effects as the json path.
    void handle_fast(participant& p, const fast_frame& f, clock::time_point now);
    void say(participant& p, std::string_view room_name, std::string_view text, bool action);
    void pm(participant& p, std::string_view to, std::string_view text, bool action);
    void on_nick(participant& p, const json& body);
    // Nick ownership: another key owns `nick`; the refusal; `p`'s key takes its nick if free.
    bool owned_by_another(const participant& p, std::string_view nick) const;
    static wire_error nick_owned(const std::string& nick);
    void claim_if_free(participant& p);
    // Offline private messages (feature offline_pm): a pm to the owned nick `to` nobody holds is
    // kept for its owner (or refused past the bounds); `p`'s key owns the nick it now holds: what
    // waits for it is delivered, once.
    void pm_offline(participant& p, std::string_view to, std::string_view text, bool action);
    void deliver_offline(participant& p);
    void on_topic(participant& p, const json& body);
    void on_rooms(participant& p);
    void on_who(participant& p, const json& body);
    void on_ping(participant& p, const json& body);
    void on_away(participant& p, const json& body);
    // A pm reached `target`: if it is away, the sender `p` hears the reason, once per absence.
    void tell_away(participant& p, participant& target);
    void on_quit(participant& p, const json& body);
    void on_history(participant& p, const json& body);
    void on_search(participant& p, const json& body);

    // The room called `name`, made from what the store remembers of it (spelling, topic, recent
    // messages); the caller has checked the name and the room limit.
    room* open_room(const std::string& name);
    void restore(room& r);
    void join(participant& p, room& r, std::int64_t since);
    void send_history(participant& p, const room& r, std::int64_t since);
    // Takes a token from p's bucket; false (and the refusal sent) when the bucket is empty.
    bool take_token(participant& p, clock::time_point now, std::string_view about);
    // Sends an error. `strike` marks refusals that count towards too_many_errors.
    void refuse(participant& p, const wire_error& e, std::string_view about, bool strike = false,
                std::string_view room = {}, std::string_view nick = {});
    // Delivers `line` once to every peer sharing a room with `p`, and to `p` itself if `self`.
    // A `notice` may wait for each peer's next write (participant::deliver_notice); it skips the
    // quiet rooms (a peer who shares only those with `p` is not told).
    void tell_neighbours(participant& p, const line_ptr& line, bool self, bool notice = false);
    // A room above --quiet-rooms members: its members are told of no join, part or quit.
    bool quiet(const room& r) const { return lim_.quiet_rooms != 0 && r.members().size() > lim_.quiet_rooms; }
    void broadcast(room& r, const line_ptr& line, const participant* skip = nullptr, bool notice = false);
    // A notice (numbered `seq`) to every member of `r` but `skip`, kept in r's journal.
    void add_notice(room& r, std::uint64_t seq, const line_ptr& line, const participant* skip);
    // Frees `r` if nobody is in it (not the default room), after forgetting its journal.
    void drop_if_empty(room* r);
    // The dispatcher ends p's session: notices with `reason`, then p flushes and closes.
    void drop(participant& p, std::string_view reason);
    bool in_room(const participant& p, const room* r) const;
    std::string welcome(const std::string& nick) const;

    const limits lim_;
    std::unique_ptr<store> store_;
    registry registry_;
    std::string instance_;
    std::uint64_t next_id_ = 0;
    std::uint64_t stamp_ = 0;
    bool shutting_down_ = false;
    bool struck_ = false;  // the frame being handled was refused with a strike
    fast_frame fast_;      // reused by every fast_decode, so its strings keep their capacity
    std::function<bool(std::string_view)> password_ok_;  // set: hello needs a password it accepts
    admission_check may_set_up_;
    std::function<void()> arm_round_;  // set: notices go through the rooms' journals
    std::uint64_t notices_sent_ = 0;   // notices journaled so far; peer_state::notices_sent points here
    std::vector<room*> journaled_;     // rooms whose journal is not empty
    bool round_armed_ = false;
};

// 16 random hex digits.
std::string random_instance();

}  // namespace chat
