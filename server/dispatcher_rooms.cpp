// The dispatcher's room commands: join (with its history replay), part, topic, rooms and who.
// The rest of the dispatcher is in dispatcher.cpp.
#include "dispatcher.hpp"

#include <algorithm>

#include "wire.hpp"

namespace chat {

namespace {

// A join replays the history entries after `since` (all of them when `since` is negative).
bool replayed(const room::entry& e, std::int64_t since) {
    return since < 0 || e.id > static_cast<std::uint64_t>(since);
}

}  // namespace

void dispatcher::join(participant& p, room& r, std::int64_t since) {
    peer_state& s = p.chat();
    if (!in_room(p, &r)) {
        if (arm_round_) {
            // What waits for p in its other rooms goes out first; nothing sent to r before now is for p.
            s.notices_sent = &notices_sent_;
            p.catch_up();
        }
        r.add(&p);
        s.rooms.push_back(&r);
        if (!quiet(r)) {
            broadcast(r,
                      share(wire::encode(wire::out_json{{"type", "join"}, {"room", r.name()}, {"nick", s.nick}, {"ts", now_ms()}})),
                      &p, true);
        }
    }
    const auto& history = r.history();
    const auto replay = static_cast<std::size_t>(
        std::count_if(history.begin(), history.end(), [since](const room::entry& e) { return replayed(e, since); }));
    // The member list is the room's cached encoding: a crowd joining costs a copy per joiner, not
    // an encoding of every nick.
    // A quiet room's list is left out (who gives it): a crowd joining would otherwise cost a copy
    // of N nicks per joiner, N^2 bytes in all.
    if (quiet(r)) {
        p.deliver(share(wire::joined_quiet(r.name(), r.topic(), r.members().size(), replay, store_->state())));
    } else {
        p.deliver(share(wire::joined(r.name(), r.topic(), r.members_json(), replay, store_->state())));
    }
    send_history(p, r, since);
}

void dispatcher::send_history(participant& p, const room& r, std::int64_t since) {
    for (const room::entry& e : r.history()) {
        if (replayed(e, since)) p.deliver(share(wire::as_history(*e.line)));
    }
}

void dispatcher::on_join(participant& p, const json& b, const char* about) {
    wire_error err;
    const auto name = get_string(b, "room", err);
    if (!name) return refuse(p, err, about, true);
    std::optional<std::int64_t> since;
    if (!optional_int(b, "since", since, err)) return refuse(p, err, about, true);
    if (auto bad = check_room(*name, lim_)) return refuse(p, *bad, about, false, wire::shown(*name));
    room* r = registry_.find_room(*name);
    if (!in_room(p, r)) {
        if (p.chat().rooms.size() >= lim_.max_rooms_per_client) {
            return refuse(p,
                          {"too_many_rooms",
                           "you are in " + std::to_string(lim_.max_rooms_per_client) + " rooms already"},
                          about, false, *name);
        }
        if (r == nullptr) {
            if (registry_.room_count() >= lim_.max_rooms) {
                return refuse(p, {"room_limit", "the server cannot hold more rooms"}, about, false, *name);
            }
            r = open_room(*name);
        }
    }
    join(p, *r, since.value_or(-1));
}

void dispatcher::on_part(participant& p, const json& b) {
    wire_error err;
    const auto name = get_string(b, "room", err);
    if (!name) return refuse(p, err, "part", true);
    std::string reason;
    if (!optional_string(b, "reason", reason, err)) return refuse(p, err, "part", true);
    room* r = registry_.find_room(*name);
    if (!in_room(p, r)) return refuse(p, {"not_in_room", "you are not in " + wire::shown(*name)}, "part", false, wire::shown(*name));
    peer_state& s = p.chat();
    const line_ptr line = share(wire::encode(wire::out_json{{"type", "part"},
                                                            {"room", r->name()},
                                                            {"nick", s.nick},
                                                            {"reason", wire::clip(reason, lim_.max_topic)},
                                                            {"ts", now_ms()}}));
    if (!quiet(*r)) broadcast(*r, line, &p, true);
    p.deliver(line);  // the one who parts waits for it
    r->remove(&p);
    s.rooms.erase(std::find(s.rooms.begin(), s.rooms.end(), r));
    drop_if_empty(r);
}

void dispatcher::on_topic(participant& p, const json& b) {
    wire_error err;
    const auto name = get_string(b, "room", err);
    if (!name) return refuse(p, err, "topic", true);
    const bool setting = b.contains("topic");
    std::string topic;
    if (!optional_string(b, "topic", topic, err)) return refuse(p, err, "topic", true);
    room* r = registry_.find_room(*name);
    if (!in_room(p, r)) return refuse(p, {"not_in_room", "you are not in " + wire::shown(*name)}, "topic", false, wire::shown(*name));
    if (setting) {
        if (auto bad = check_topic(topic, lim_)) return refuse(p, *bad, "topic", false, r->name());
        r->set_topic(std::move(topic), p.chat().nick, now_ms());
        store_->set_topic({r->name(), r->topic(), r->topic_by(), r->topic_ts()});
    }
    const line_ptr line = share(wire::encode(wire::out_json{{"type", "topic"},
                                            {"room", r->name()},
                                            {"topic", r->topic()},
                                            {"by", r->topic_by()},
                                            {"ts", r->topic_ts() != 0 ? r->topic_ts() : now_ms()}}));
    if (setting) {
        broadcast(*r, line);
    } else {
        p.deliver(line);
    }
}

void dispatcher::on_rooms(participant& p) {
    wire::out_json list = wire::out_json::array();
    for (const auto& [name, r] : registry_.rooms()) {
        list.push_back(wire::out_json{{"name", r->name()}, {"members", r->members().size()}, {"topic", r->topic()}});
    }
    // The rooms nobody is in whose history the store keeps (feature stored_rooms), at most
    // max_stored_rooms_listed of them; `truncated` says when more exist.
    bool truncated = false;
    std::size_t listed = 0;
    for (const stored_room& k : store_->rooms(max_stored_rooms_listed + registry_.room_count() + 1)) {
        if (registry_.find_room(k.name) != nullptr) continue;
        if (listed == max_stored_rooms_listed) {
            truncated = true;
            break;
        }
        list.push_back(wire::out_json{{"name", k.name}, {"members", 0}, {"topic", k.topic}, {"stored", true}});
        ++listed;
    }
    wire::out_json answer{{"type", "rooms"}, {"rooms", std::move(list)}};
    if (truncated) answer["truncated"] = true;
    p.deliver(share(wire::encode(answer)));
}

void dispatcher::on_who(participant& p, const json& b) {
    wire_error err;
    const auto name = get_string(b, "room", err);
    if (!name) return refuse(p, err, "who", true);
    if (auto bad = check_room(*name, lim_)) return refuse(p, *bad, "who", false, wire::shown(*name));
    const room* r = registry_.find_room(*name);
    if (r == nullptr) return refuse(p, {"no_such_room", "there is no room " + wire::shown(*name)}, "who", false, wire::shown(*name));
    wire::out_json away = wire::out_json::object();
    for (const participant* m : r->members()) {
        if (!m->chat().away.empty()) away[m->chat().nick] = m->chat().away;
    }
    p.deliver(share(wire::who(r->name(), r->members_json(), away.dump(-1, ' ', false, wire::out_json::error_handler_t::replace))));
}

}  // namespace chat
