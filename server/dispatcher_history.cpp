// The dispatcher's stored history: rooms brought back from the store, `history` pages of a room or
// a private conversation, and `search`. The rest of the dispatcher is in dispatcher.cpp.
#include <algorithm>

#include "dispatcher.hpp"
#include "store_search.hpp"
#include "wire.hpp"

namespace chat {

namespace {

// Text bytes one history or search answer carries at most, so an answer stays far below the
// client's line limit (1 MiB) whatever the messages hold.
constexpr std::size_t max_answer_text = 256 * 1024;

// A stored message as the frame it was sent as, with "history":true.
wire::out_json as_frame(const stored_message& m) {
    if (m.room.empty()) {
        return wire::out_json{{"type", "pm"},   {"id", m.id},         {"from", m.from},     {"to", m.to},
                              {"ts", m.ts},     {"text", m.text},     {"action", m.action}, {"history", true}};
    }
    return wire::out_json{{"type", "message"}, {"id", m.id},         {"room", m.room},     {"from", m.from},
                          {"ts", m.ts},        {"text", m.text},     {"action", m.action}, {"history", true}};
}

// The frames of `messages` (in their order) that fit the answer's byte bound; false if some did not.
bool frames_of(const std::vector<stored_message>& messages, wire::out_json& out) {
    std::size_t bytes = 0;
    for (const stored_message& m : messages) {
        bytes += m.text.size() + m.from.size() + m.to.size() + m.room.size();
        if (bytes > max_answer_text) return false;
        out.push_back(as_frame(m));
    }
    return true;
}

}  // namespace

room* dispatcher::open_room(const std::string& name) {
    stored_room known;
    room* r = registry_.create_room(store_->find_room(name, known) ? known.name : name);
    restore(*r);
    return r;
}

void dispatcher::restore(room& r) {
    stored_room known;
    if (store_->find_room(r.name(), known)) r.set_topic(known.topic, known.topic_by, known.topic_ts);
    if (!r.history().empty()) return;
    for (const stored_message& m : store_->recent(r.name(), lim_.history)) {
        r.remember(m.id, share(wire::message(m.id, r.name(), m.from, m.ts, m.text, m.action)));
    }
}

void dispatcher::on_history(participant& p, const json& b) {
    wire_error err;
    std::string room_name;
    std::string nick;
    if (!optional_string(b, "room", room_name, err)) return refuse(p, err, "history", true);
    if (!optional_string(b, "nick", nick, err)) return refuse(p, err, "history", true);
    if (room_name.empty() == nick.empty()) {
        return refuse(p, {"bad_frame", "history needs exactly one of the fields \"room\" and \"nick\""}, "history", true);
    }
    std::optional<std::int64_t> before;
    std::optional<std::int64_t> limit;
    if (!optional_int(b, "before", before, err)) return refuse(p, err, "history", true);
    if (!optional_int(b, "limit", limit, err)) return refuse(p, err, "history", true);
    if ((before && *before < 1) || (limit && *limit < 1)) {
        return refuse(p, {"bad_value", "\"before\" and \"limit\" must be at least 1"}, "history", true);
    }
    const auto upto = before ? static_cast<std::uint64_t>(*before) : next_id_ + 1;
    const auto count = std::min<std::size_t>(limit ? static_cast<std::size_t>(*limit) : max_history_page, max_history_page);
    wire::out_json answer = {{"type", "history"}};
    std::string shown_room;
    history_page page;
    if (!room_name.empty()) {
        room* r = registry_.find_room(room_name);
        if (!in_room(p, r)) {
            return refuse(p, {"not_in_room", "you are not in " + wire::shown(room_name)}, "history", false,
                          wire::shown(room_name));
        }
        shown_room = r->name();
        answer["room"] = shown_room;
        page = store_->room_page(r->name(), upto, count);
    } else {
        if (auto bad = check_nick(nick, lim_)) return refuse(p, *bad, "history", false, {}, wire::shown(nick));
        answer["nick"] = nick;
        page = store_->pm_page(p.chat().nick, nick, upto, count);
    }
    if (!page.available) {
        return refuse(p, {"history_unavailable", "the server cannot read its stored history now; try again later"},
                      "history", false, shown_room, nick);
    }
    wire::out_json frames = wire::out_json::array();
    // A page cut by the byte bound keeps its newest messages, so the next page goes on from them.
    std::vector<stored_message>& msgs = page.messages;
    bool whole = frames_of(msgs, frames);
    while (!whole && !msgs.empty()) {
        msgs.erase(msgs.begin());
        frames = wire::out_json::array();
        whole = frames_of(msgs, frames);
    }
    answer["before"] = upto;
    answer["messages"] = std::move(frames);
    answer["complete"] = page.complete && msgs.size() == page.messages.size();
    p.deliver(share(wire::encode(answer)));
}

void dispatcher::on_search(participant& p, const json& b) {
    wire_error err;
    const auto words = get_string(b, "words", err);
    if (!words) return refuse(p, err, "search", true);
    std::string room_name;
    if (!optional_string(b, "room", room_name, err)) return refuse(p, err, "search", true);
    std::optional<std::int64_t> limit;
    if (!optional_int(b, "limit", limit, err)) return refuse(p, err, "search", true);
    if (limit && *limit < 1) return refuse(p, {"bad_value", "\"limit\" must be at least 1"}, "search", true);
    if (words->size() > lim_.max_text) {
        return refuse(p, {"bad_search", "the words are longer than " + std::to_string(lim_.max_text) + " bytes"}, "search");
    }
    std::string shown_room;
    if (!room_name.empty()) {
        if (auto bad = check_room(room_name, lim_)) return refuse(p, *bad, "search", false, wire::shown(room_name));
        stored_room known;
        const room* live = registry_.find_room(room_name);
        shown_room = live != nullptr ? live->name() : store_->find_room(room_name, known) ? known.name : room_name;
    }
    const auto count = std::min<std::size_t>(limit ? static_cast<std::size_t>(*limit) : max_search_results, max_search_results);
    if (search_terms(*words).empty()) {
        return refuse(p, {"bad_search", "give at least one word of letters or digits"}, "search");
    }
    auto found = store_->search(*words, room_name, p.chat().nick, count);
    wire::out_json frames = wire::out_json::array();
    while (!frames_of(found, frames) && !found.empty()) {
        found.pop_back();
        frames = wire::out_json::array();
    }
    wire::out_json answer = {{"type", "search"}, {"words", *words}};
    if (!shown_room.empty()) answer["room"] = shown_room;
    answer["results"] = std::move(frames);
    p.deliver(share(wire::encode(answer)));
}

}  // namespace chat
