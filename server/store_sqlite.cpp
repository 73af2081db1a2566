// The disk store as the dispatcher uses it: reads, writes buffered until the commit of each turn,
// the commit itself, history pages. Opening and faults: store_sqlite_open.cpp; search, indexing and
// retention: store_sqlite_upkeep.cpp.
#include "store_sqlite_impl.hpp"

namespace chat::sqlite_detail {

void sqlite_store::set_instance(const std::string& instance) {
    instance_ = instance;
    instance_dirty_ = true;
    commit();
}

bool sqlite_store::find_room(std::string_view room, stored_room& out) {
    const auto p = pending_rooms_.find(fold_name(room));
    if (p != pending_rooms_.end()) {
        out = p->second;
        return true;
    }
    if (!ready()) return false;
    const statement& s = room_get_;
    s.bind(1, fold_name(room));
    const int rc = s.step();
    const bool found = rc == SQLITE_ROW;
    if (found) {
        out.name = s.text(0);
        out.topic = s.text(1);
        out.topic_by = s.text(2);
        out.topic_ts = s.integer(3);
    }
    s.done();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fault(rc, "reading");
    return found;
}

std::vector<stored_message> sqlite_store::recent(std::string_view room, std::size_t count) {
    history_page p = page(fold_name(room), std::numeric_limits<std::int64_t>::max(), count);
    return std::move(p.messages);
}

void sqlite_store::append(stored_message m) {
    last_id_ = std::max(last_id_, m.id);
    if (pending_.size() >= max_pending) {
        if (unstored_++ == 0) {
            note("store: " + std::to_string(max_pending) +
                 " messages are waiting for the disk already; later ones are relayed but not stored");
        }
        return;
    }
    // A room's first message gives it its row in `rooms`, so it is listed once nobody is in it.
    if (!m.room.empty()) {
        std::string key = fold_name(m.room);
        if (!known_rooms_.contains(key)) {
            known_rooms_.insert(key);
            pending_new_rooms_.emplace(std::move(key), m.room);
        }
    }
    pending_.push_back(std::move(m));
}

std::vector<stored_room> sqlite_store::rooms(std::size_t limit) {
    std::vector<stored_room> out;
    if (!ready()) return out;
    const statement& s = room_list_;
    s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.text(1), s.text(2), s.integer(3)});
    s.done();
    if (rc != SQLITE_DONE) fault(rc, "reading");
    return out;
}

void sqlite_store::own_nick(const std::string& nick, const std::string& key) {
    store::own_nick(nick, key);
    pending_nicks_.emplace_back(nick, key);
}

void sqlite_store::offline_put(const stored_message& m) {
    store::offline_put(m);
    pending_offline_.push_back(m);
}

std::vector<stored_message> sqlite_store::offline_take(std::string_view nick) {
    std::vector<stored_message> out = store::offline_take(nick);
    for (const stored_message& m : out) pending_taken_.push_back(m.id);
    return out;
}

void sqlite_store::commit() {
    if (pending_.empty() && pending_rooms_.empty() && pending_new_rooms_.empty() && pending_nicks_.empty() && pending_offline_.empty() &&
        pending_taken_.empty() && !instance_dirty_) {
        return;
    }
    if (!ok_) return;
    int rc = exec("BEGIN IMMEDIATE");
    std::string conv;  // outlives each bound step
    for (const stored_message& m : pending_) {
        if (rc != SQLITE_OK) break;
        const statement& s = insert_;
        conv = m.room.empty() ? conversation_key(m.from, m.to) : fold_name(m.room);
        bind_message(s, m, conv);
        s.bind_static(8, m.room);
        rc = s.step();
        s.done();
        // A message already stored (a retry after a commit whose answer was lost) is no fault.
        if (rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT) rc = SQLITE_OK;
    }
    for (const auto& [key, name] : pending_new_rooms_) {
        if (rc != SQLITE_OK) break;
        const statement& s = room_new_;
        s.bind_static(1, key);
        s.bind_static(2, name);
        rc = s.step();
        s.done();
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    for (const auto& [key, r] : pending_rooms_) {
        if (rc != SQLITE_OK) break;
        const statement& s = room_put_;
        s.bind(1, key);
        s.bind(2, r.name);
        s.bind(3, r.topic);
        s.bind(4, r.topic_by);
        s.bind(5, r.topic_ts);
        rc = s.step();
        s.done();
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    for (const auto& [nick, key] : pending_nicks_) {
        if (rc != SQLITE_OK) break;
        const statement& s = nick_put_;
        s.bind(1, fold_name(nick));
        s.bind(2, nick);
        s.bind(3, key);
        s.bind(4, wall_ms());
        rc = s.step();
        s.done();
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    for (const stored_message& m : pending_offline_) {
        if (rc != SQLITE_OK) break;
        const statement& s = offline_put_;
        conv = fold_name(m.to);
        bind_message(s, m, conv);
        rc = s.step();
        s.done();
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    // Taken after being put in the same turn: the put above is undone here, in one transaction.
    for (const std::uint64_t id : pending_taken_) {
        if (rc != SQLITE_OK) break;
        const statement& s = offline_del_;
        s.bind(1, static_cast<std::int64_t>(id));
        rc = s.step();
        s.done();
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc == SQLITE_OK) rc = put_meta("last_id", std::to_string(last_id_));
    if (rc == SQLITE_OK && instance_dirty_) rc = put_meta("instance", instance_);
    if (rc == SQLITE_OK) rc = exec("COMMIT");
    if (rc != SQLITE_OK) {
        if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
        fault(rc, "writing");
        return;
    }
    stored_ += pending_.size();
    pending_.clear();
    pending_rooms_.clear();
    pending_new_rooms_.clear();
    pending_nicks_.clear();
    pending_offline_.clear();
    pending_taken_.clear();
    instance_dirty_ = false;
    // A flood the background steps cannot keep up with still gets indexed, a batch at a time, and its
    // log checkpointed on the loop once it reaches its bound (unless the checkpointer is at it).
    if (last_id_ > fts_upto_ + max_unindexed) index_step(catch_up_batch);
    if (wal_frames_ >= set_.max_wal_pages && !checkpointer_->running()) checkpoint();
}

history_page sqlite_store::room_page(std::string_view room, std::uint64_t before, std::size_t limit) {
    return page(fold_name(room), static_cast<std::int64_t>(std::min<std::uint64_t>(before, INT64_MAX)), limit);
}

history_page sqlite_store::pm_page(std::string_view a, std::string_view b, std::uint64_t before, std::size_t limit) {
    return page(conversation_key(a, b), static_cast<std::int64_t>(std::min<std::uint64_t>(before, INT64_MAX)),
                limit);
}

}  // namespace chat::sqlite_detail

namespace chat {

std::string default_state_dir() {
    const char* xdg = std::getenv("XDG_STATE_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/chatd";
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr && home[0] != '\0' ? home : ".") + "/.local/state/chatd";
}

std::unique_ptr<store> open_sqlite_store(const sqlite_settings& s, std::function<void(const std::string&)> note,
                                         store_refused& refused) {
    auto st = std::make_unique<sqlite_detail::sqlite_store>(s, std::move(note));
    if (!st->start(refused)) return nullptr;
    return st;
}

}  // namespace chat
