// One chat room: its members in join order, its topic, and its recent messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "participant.hpp"

namespace chat {

class room {
public:
    // History keeps at most `history_count` messages and `history_bytes` bytes of encoded frames.
    room(std::string name, std::size_t history_count, std::size_t history_bytes);

    const std::string& name() const { return name_; }
    const std::vector<participant*>& members() const { return members_; }
    bool empty() const { return members_.empty(); }

    void add(participant* p);
    void remove(participant* p);

    // The members' nicks as the JSON array `joined` and `who` carry, in join order. Kept encoded:
    // a join appends one nick, so a crowd joining a big room does not re-encode the list per
    // joiner; a part or a nick change marks it stale, and the next reader rebuilds it once.
    const std::string& members_json() const;
    // A member's nick has changed: the encoded list no longer holds.
    void nick_changed() { members_json_stale_ = true; }

    const std::string& topic() const { return topic_; }
    const std::string& topic_by() const { return topic_by_; }
    std::int64_t topic_ts() const { return topic_ts_; }
    void set_topic(std::string topic, std::string by, std::int64_t ts);

    // A recent message, kept as the exact line live members received.
    struct entry {
        std::uint64_t id;
        line_ptr line;
    };
    void remember(std::uint64_t id, line_ptr line);

    // The notices sent to this room since the last notice round (dispatcher::journal_notices), in
    // the order sent: each member takes the ones numbered above its notices_seen, but those of which
    // it is the subject (`skip`), before its next frame or at the round.
    struct notice {
        std::uint64_t seq;
        line_ptr line;
        const participant* skip;
    };
    const std::vector<notice>& journal() const { return journal_; }
    void add_notice(std::uint64_t seq, line_ptr line, const participant* skip) {
        journal_.push_back({seq, std::move(line), skip});
    }
    // Every member has taken the journal (or none is left): it is emptied, its storage kept.
    void clear_journal() { journal_.clear(); }
    const std::deque<entry>& history() const { return history_; }
    std::size_t history_bytes() const { return bytes_; }

private:
    std::string name_;
    std::vector<participant*> members_;
    mutable std::string members_json_ = "[]";
    mutable bool members_json_stale_ = false;
    std::string topic_;
    std::string topic_by_;
    std::int64_t topic_ts_ = 0;
    std::deque<entry> history_;
    std::vector<notice> journal_;
    std::size_t bytes_ = 0;
    std::size_t max_count_;
    std::size_t max_bytes_;
};

}  // namespace chat
