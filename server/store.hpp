// The message store: what chatd keeps of rooms, topics and messages, behind a few functions, so
// the dispatcher does not know whether they live in memory (store_memory) or on disk (store_sqlite).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

// One message as the store keeps it: a room message (room set) or a private one (to set).
struct stored_message {
    std::uint64_t id = 0;
    std::string room;  // "#name" as the room was spelled; empty for a private message
    std::string from;
    std::string to;    // the recipient of a private message; empty for a room message
    std::int64_t ts = 0;  // milliseconds since 1970, UTC, as received by the server
    std::string text;
    bool action = false;
};

// What the store remembers of a room nobody may be in: its spelling and topic.
struct stored_room {
    std::string name;
    std::string topic;
    std::string topic_by;
    std::int64_t topic_ts = 0;
};

// A page of older messages, oldest first; `complete` when nothing older exists.
struct history_page {
    std::vector<stored_message> messages;
    bool complete = false;
    bool available = true;  // false: the store cannot read now (a disk fault), not "no messages"
};

class store {
public:
    virtual ~store() = default;

    // The server's identity across restarts: the instance kept (empty when none is stored yet) and
    // the highest message id ever handed out.
    virtual std::string instance() const = 0;
    virtual void set_instance(const std::string& instance) = 0;
    virtual std::uint64_t last_id() const = 0;

    // The room's stored spelling and topic; false when the store knows no such room.
    virtual bool find_room(std::string_view room, stored_room& out) = 0;
    // The rooms the store keeps (each with messages or a topic), by folded name, at most `limit`:
    // what `rooms` lists beside the rooms people are in.
    virtual std::vector<stored_room> rooms(std::size_t limit) = 0;
    // The room's last `count` messages, oldest first: what a join replays.
    virtual std::vector<stored_message> recent(std::string_view room, std::size_t count) = 0;

    // Writes are buffered until commit(). A message must be appended before anyone is sent it. Taken
    // by value: the caller's temporary is moved in, not copied.
    virtual void append(stored_message m) = 0;
    virtual void set_topic(const stored_room& r) = 0;
    // Makes every write since the last commit durable (one transaction per loop turn).
    virtual void commit() = 0;

    // Up to `limit` messages of `room` (or between nicks `a` and `b`) with id below `before`.
    virtual history_page room_page(std::string_view room, std::uint64_t before, std::size_t limit) = 0;
    virtual history_page pm_page(std::string_view a, std::string_view b, std::uint64_t before,
                                 std::size_t limit) = 0;
    // The newest messages holding every word of `words`, newest first: room messages (of `room`
    // only when it is not empty) and private messages to or from `nick`.
    virtual std::vector<stored_message> search(std::string_view words, std::string_view room,
                                               std::string_view nick, std::size_t limit) = 0;

    // Nick ownership (feature tls_identity): the client key ("SHA256:...") that owns `nick`, or ""
    // when none does; how many nicks `key` owns; and `key` taking a free nick (written with the next
    // commit by a disk store, which reads them all back at start).
    std::string nick_owner(std::string_view nick) const;
    std::size_t nicks_owned(std::string_view key) const;
    virtual void own_nick(const std::string& nick, const std::string& key);

    // Offline private messages (feature offline_pm): pms to an owned nick whose owner was not online,
    // kept per recipient (folded `to`), oldest first, until its owner next takes the nick. A disk
    // store writes a put and a take with the next commit and reads what waits back at start.
    struct mailbox {
        std::size_t count = 0;
        std::size_t bytes = 0;  // of text
    };
    mailbox offline_waiting(std::string_view nick) const;
    std::size_t offline_total() const { return offline_count_; }
    virtual void offline_put(const stored_message& m);
    // Everything waiting for `nick`, oldest first, and gone from the store: delivered once.
    virtual std::vector<stored_message> offline_take(std::string_view nick);

    // Where messages go: "disk", "memory" (chosen, --no-store) or "failing" (meant for the disk,
    // memory-only until the disk works again).
    virtual const char* state() const = 0;
    // Background work in a small step (pruning, indexing, retrying a failed disk, taking a checkpoint's
    // result); true when more is waiting.
    virtual bool tick(std::int64_t now_ms) = 0;
    // Retention forgets a room (its row, its topic) once its last message is pruned, but not while
    // people are in it: `in_use` answers for a folded name. Such a room is forgotten once it is empty.
    virtual void set_rooms_in_use(std::function<bool(std::string_view)> in_use) { (void)in_use; }

protected:
    std::map<std::string, std::string> owners_;  // folded nick -> owning key
    std::map<std::string, std::vector<stored_message>> offline_;  // folded recipient -> waiting, by id
    std::size_t offline_count_ = 0;
};

// Room names and nicks compare ASCII case-insensitively; the store keys them folded.
std::string fold_name(std::string_view s);

// Today's behaviour: the last `per_room` messages of each room and conversation, in memory only.
std::unique_ptr<store> make_memory_store(std::size_t per_room);

}  // namespace chat
