#include "dispatcher.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "ascii_scan.hpp"
#include "wire.hpp"

namespace chat {

namespace {

// Error frames echo the refused type; a hostile type string is cut short.
std::string_view about_of(std::string_view type) { return type.substr(0, 32); }

// A JSON number: an integer when it is one, so the default limits read "rate":5.
wire::out_json number(double v) {
    if (std::floor(v) == v && std::fabs(v) < 1e15) return static_cast<std::int64_t>(v);
    return v;
}

// check_text, with the usual message -- printable ASCII and tabs within the size limit -- passed
// without decoding it code point by code point.
std::optional<wire_error> check_message(std::string_view text, const limits& lim) {
    if (!text.empty() && text.size() <= lim.max_text) {
        bool printable = true;
        for (const char c : text.substr(ascii::printable_prefix(text))) {
            const auto u = static_cast<unsigned char>(c);
            printable &= (u >= 0x20 && u < 0x7F) || u == '\t';
        }
        if (printable) return std::nullopt;
    }
    return check_text(text, lim);
}

}  // namespace

std::string random_instance() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(16, '0');
    std::uint64_t v = gen();
    for (char& c : out) {
        c = hex[v & 15];
        v >>= 4;
    }
    return out;
}

dispatcher::dispatcher(const limits& lim, std::string instance, std::unique_ptr<store> st)
    : lim_(lim), store_(st ? std::move(st) : make_memory_store(lim.history)), registry_(lim_) {
    instance_ = store_->instance();
    if (instance_.empty()) {
        instance_ = instance.empty() ? random_instance() : std::move(instance);
        store_->set_instance(instance_);
    }
    next_id_ = store_->last_id();
    store_->set_rooms_in_use([this](std::string_view key) { return registry_.find_room(key) != nullptr; });
    restore(registry_.lobby());
}

bool dispatcher::on_line(participant& p, std::string_view line, clock::time_point now) {
    if (p.chat().gone) return true;
    // Most frames of a registered peer are plain say and pm: read those without building a json.
    if (p.chat().registered && fast_decode(line, fast_)) {
        handle_fast(p, fast_, now);
        return true;
    }
    auto r = decode(line, lim_.max_depth);
    if (!r) {
        struck_ = false;
        refuse(p, r.error, {}, true);
        return true;
    }
    // A hello or join costs a notice to every member of a room and a copy of its member list.
    const bool set_up = p.chat().registered ? r.value->type == "join" : r.value->type == "hello";
    if (set_up && may_set_up_ && !may_set_up_()) return false;
    handle(p, *r.value, now);
    return true;
}

void dispatcher::handle(participant& p, const frame& f, clock::time_point now) {
    peer_state& s = p.chat();
    if (s.gone) return;
    struck_ = false;
    const std::string& t = f.type;
    const json& b = f.body;
    if (!s.registered) {
        if (t == "hello") {
            on_hello(p, b);
            if (s.registered) {
                s.tokens = lim_.burst;
                s.refilled = now;
            }
        } else if (t == "ping") {
            on_ping(p, b);
        } else if (t == "quit") {
            on_quit(p, b);
        } else {
            refuse(p, {"not_registered", "send hello first"}, about_of(t), true);
        }
    } else if (t == "say") {
        if (take_token(p, now, t)) on_say(p, b);
    } else if (t == "pm") {
        if (take_token(p, now, t)) on_pm(p, b);
    } else if (t == "join") {
        if (take_token(p, now, t)) on_join(p, b, "join");
    } else if (t == "part") {
        if (take_token(p, now, t)) on_part(p, b);
    } else if (t == "nick") {
        if (take_token(p, now, t)) on_nick(p, b);
    } else if (t == "topic") {
        if (take_token(p, now, t)) on_topic(p, b);
    } else if (t == "away") {
        if (take_token(p, now, t)) on_away(p, b);
    } else if (t == "history") {
        if (take_token(p, now, t)) on_history(p, b);
    } else if (t == "search") {
        if (take_token(p, now, t)) on_search(p, b);
    } else if (t == "rooms") {
        on_rooms(p);
    } else if (t == "who") {
        on_who(p, b);
    } else if (t == "ping") {
        on_ping(p, b);
    } else if (t == "pong") {
        // Only a sign of life, which the session has already noted.
    } else if (t == "quit") {
        on_quit(p, b);
    } else if (t == "hello") {
        refuse(p, {"already_registered", "you are already registered as " + s.nick}, "hello");
    } else {
        refuse(p, {"unknown_type", "unknown frame type"}, about_of(t), true);
    }
    if (!struck_) s.strikes = 0;
}

void dispatcher::handle_fast(participant& p, const fast_frame& f, clock::time_point now) {
    struck_ = false;
    if (f.type == fast_frame::kind::say) {
        if (take_token(p, now, "say")) say(p, f.room, f.text, f.action);
    } else {
        if (take_token(p, now, "pm")) pm(p, f.to, f.text, f.action);
    }
    if (!struck_) p.chat().strikes = 0;
}

void dispatcher::refuse(participant& p, const wire_error& e, std::string_view about, bool strike,
                        std::string_view room, std::string_view nick) {
    peer_state& s = p.chat();
    p.deliver(share(wire::error(e, about, room, nick)));
    if (!strike) return;
    struck_ = true;
    if (++s.strikes >= lim_.max_errors && lim_.max_errors > 0) {
        p.deliver(share(wire::error("too_many_errors",
                                    std::to_string(s.strikes) + " refused frames in a row; closing")));
        drop(p, "connection lost");
    }
}

bool dispatcher::take_token(participant& p, clock::time_point now, std::string_view about) {
    if (lim_.rate <= 0) return true;
    peer_state& s = p.chat();
    const double elapsed = std::chrono::duration<double>(now - s.refilled).count();
    s.refilled = now;
    s.tokens = std::min(lim_.burst, s.tokens + (elapsed > 0 ? elapsed * lim_.rate : 0));
    if (s.tokens >= 1) {
        s.tokens -= 1;
        s.flood_refusals = 0;
        return true;
    }
    if (static_cast<double>(++s.flood_refusals) >= std::ceil(3 * lim_.burst)) {
        p.deliver(share(wire::error("excess_flood", "too many frames over the rate limit; closing", about)));
        drop(p, "excess flood");
        return false;
    }
    p.deliver(share(wire::error("rate_limited", "you are sending too fast; the frame was dropped", about)));
    return false;
}

void dispatcher::drop(participant& p, std::string_view reason) {
    leave(p, reason);
    p.close_after_flush(reason);
}

bool dispatcher::in_room(const participant& p, const room* r) const {
    const auto& rooms = p.chat().rooms;
    return r != nullptr && std::find(rooms.begin(), rooms.end(), r) != rooms.end();
}

void dispatcher::add_notice(room& r, std::uint64_t seq, const line_ptr& line, const participant* skip) {
    const auto& members = r.members();
    if (members.empty() || (members.size() == 1 && members.front() == skip)) return;  // nobody to tell
    if (r.journal().empty()) journaled_.push_back(&r);
    r.add_notice(seq, line, skip);
    if (!round_armed_) {
        round_armed_ = true;
        arm_round_();
    }
}

void dispatcher::notice_round() {
    round_armed_ = false;
    std::vector<room*> rooms;
    rooms.swap(journaled_);
    for (room* r : rooms) {
        for (participant* m : r->members()) m->catch_up();
    }
    for (room* r : rooms) r->clear_journal();
    rooms.clear();
    if (journaled_.empty()) journaled_.swap(rooms);  // keep the storage
}

void dispatcher::drop_if_empty(room* r) {
    if (!r->empty()) return;
    if (!r->journal().empty()) {
        r->clear_journal();
        journaled_.erase(std::find(journaled_.begin(), journaled_.end(), r));
    }
    registry_.drop_if_empty(r);
}

void dispatcher::broadcast(room& r, const line_ptr& line, const participant* skip, bool notice) {
    if (notice && arm_round_) return add_notice(r, ++notices_sent_, line, skip);
    if (notice) {
        for (participant* m : r.members()) {
            if (m != skip) m->deliver_notice(line);
        }
        return;
    }
    for (participant* m : r.members()) {
        if (m != skip) m->deliver(line);
    }
}

void dispatcher::tell_neighbours(participant& p, const line_ptr& line, bool self, bool notice) {
    if (self) p.deliver(line);
    if (notice && arm_round_) {
        const std::uint64_t seq = ++notices_sent_;
        for (room* r : p.chat().rooms) {
            if (!quiet(*r)) add_notice(*r, seq, line, &p);
        }
        return;
    }
    const std::uint64_t stamp = ++stamp_;
    p.chat().mark = stamp;
    for (const room* r : p.chat().rooms) {
        if (notice && quiet(*r)) continue;
        for (participant* m : r->members()) {
            if (m->chat().mark == stamp) continue;
            m->chat().mark = stamp;
            if (notice) {
                m->deliver_notice(line);
            } else {
                m->deliver(line);
            }
        }
    }
}

void dispatcher::leave(participant& p, std::string_view reason) {
    peer_state& s = p.chat();
    if (s.gone) return;
    s.gone = true;
    if (!s.registered) return;
    if (!shutting_down_) {
        tell_neighbours(p, share(wire::encode(wire::out_json{{"type", "quit"}, {"nick", s.nick}, {"reason", reason},
                                             {"ts", now_ms()}})),
                        false, true);
    }
    p.catch_up();  // what waited for p goes out before it closes
    for (room* r : s.rooms) {
        r->remove(&p);
        drop_if_empty(r);
    }
    s.rooms.clear();
    registry_.remove_nick(s.nick);
}

std::string dispatcher::welcome(const std::string& nick) const {
    wire::out_json lim = {{"max_frame", lim_.max_frame},
                      {"max_text", lim_.max_text},
                      {"max_lines", lim_.max_lines},
                      {"max_nick", lim_.max_nick},
                      {"max_room_name", lim_.max_room_name},
                      {"max_topic", lim_.max_topic},
                      {"max_rooms_per_client", lim_.max_rooms_per_client},
                      {"history", lim_.history},
                      {"rate", number(lim_.rate)},
                      {"burst", number(lim_.burst)},
                      {"history_page", max_history_page},
                      {"search_results", max_search_results}};
    wire::out_json features =
        wire::out_json::array({"away", "multiline", "history_pages", "search", "tls_identity", "stored_rooms"});
    if (lim_.offline_messages > 0) features.push_back("offline_pm");
    if (lim_.quiet_rooms > 0) {
        features.push_back("quiet_rooms");
        lim["quiet_rooms"] = lim_.quiet_rooms;
    }
    return wire::encode(wire::out_json{{"type", "welcome"},
                       {"version", protocol_version},
                       {"nick", nick},
                       {"server", std::string("chatd ") + CHAT_VERSION},
                       {"instance", instance_},
                       {"default_room", default_room},
                       {"limits", lim},
                       {"features", features},
                       {"store", store_->state()}});
}

bool dispatcher::owned_by_another(const participant& p, std::string_view nick) const {
    const std::string owner = store_->nick_owner(nick);
    return !owner.empty() && owner != p.chat().key;
}

wire_error dispatcher::nick_owned(const std::string& nick) {
    return {"nick_owned", "the nick " + nick + " belongs to another user's key; choose another nick"};
}

void dispatcher::claim_if_free(participant& p) {
    const peer_state& s = p.chat();
    // A client without a key (plain TLS, plaintext) uses free nicks and owns none.
    if (s.key.empty() || !store_->nick_owner(s.nick).empty()) return;
    if (store_->nicks_owned(s.key) >= lim_.nicks_per_key) return;
    store_->own_nick(s.nick, s.key);
}

void dispatcher::on_hello(participant& p, const json& b) {
    wire_error err;
    const auto version = get_int(b, "version", err);
    if (!version) return refuse(p, err, "hello", true);
    auto nick = get_string(b, "nick", err);
    if (!nick) return refuse(p, err, "hello", true);
    if (*version != protocol_version) {
        p.deliver(share(wire::error("bad_version", "this server speaks protocol version 1", "hello")));
        return drop(p, "bad version");
    }
    if (password_ok_) {
        std::string password;
        if (!optional_string(b, "password", password, err)) return refuse(p, err, "hello", true);
        // Closed at once either way: a guesser pays a new connection (and TLS handshake) per try.
        if (password.empty()) {
            p.deliver(share(wire::error("password_required",
                                        "this server wants a password: send it in hello's \"password\" field", "hello")));
            return drop(p, "no password");
        }
        if (!password_ok_(password)) {
            p.deliver(share(wire::error("bad_password", "wrong password", "hello")));
            return drop(p, "wrong password");
        }
    }
    if (auto bad = check_nick(*nick, lim_)) return refuse(p, *bad, "hello", false, {}, wire::shown(*nick));
    if (owned_by_another(p, *nick)) return refuse(p, nick_owned(*nick), "hello", false, {}, *nick);
    if (registry_.find_nick(*nick)) {
        return refuse(p, {"nick_in_use", "the nick " + *nick + " is already in use"}, "hello", false, {}, *nick);
    }
    peer_state& s = p.chat();
    s.nick = std::move(*nick);
    s.registered = true;
    registry_.add_nick(s.nick, &p);
    claim_if_free(p);
    p.deliver(share(welcome(s.nick)));
    join(p, registry_.lobby(), -1);
    deliver_offline(p);
}

void dispatcher::on_say(participant& p, const json& b) {
    wire_error err;
    const auto name = get_string(b, "room", err);
    if (!name) return refuse(p, err, "say", true);
    const auto text = get_string(b, "text", err);
    if (!text) return refuse(p, err, "say", true);
    bool action = false;
    if (!optional_bool(b, "action", action, err)) return refuse(p, err, "say", true);
    say(p, *name, *text, action);
}

void dispatcher::say(participant& p, std::string_view room_name, std::string_view text, bool action) {
    room* r = registry_.find_room(room_name);
    if (!in_room(p, r)) {
        return refuse(p, {"not_in_room", "you are not in " + wire::shown(room_name)}, "say", false, wire::shown(room_name));
    }
    if (auto bad = check_message(text, lim_)) return refuse(p, *bad, "say", false, r->name());
    const std::uint64_t id = ++next_id_;
    const std::int64_t ts = now_ms();
    // In the store before anyone is sent it: the turn's commit comes before any output is written.
    store_->append({id, r->name(), p.chat().nick, {}, ts, std::string(text), action});
    const line_ptr line = share(wire::message(id, r->name(), p.chat().nick, ts, text, action));
    broadcast(*r, line);
    r->remember(id, line);
}

void dispatcher::on_pm(participant& p, const json& b) {
    wire_error err;
    const auto to = get_string(b, "to", err);
    if (!to) return refuse(p, err, "pm", true);
    const auto text = get_string(b, "text", err);
    if (!text) return refuse(p, err, "pm", true);
    bool action = false;
    if (!optional_bool(b, "action", action, err)) return refuse(p, err, "pm", true);
    pm(p, *to, *text, action);
}

void dispatcher::pm(participant& p, std::string_view to, std::string_view text, bool action) {
    participant* target = registry_.find_nick(to);
    if (target == nullptr) {
        if (lim_.offline_messages > 0 && !store_->nick_owner(to).empty()) return pm_offline(p, to, text, action);
        return refuse(p, {"no_such_nick", "nobody is called " + wire::shown(to)}, "pm", false, {}, wire::shown(to));
    }
    if (auto bad = check_message(text, lim_)) return refuse(p, *bad, "pm", false, {}, target->chat().nick);
    const std::uint64_t id = ++next_id_;
    const std::int64_t ts = now_ms();
    store_->append({id, {}, p.chat().nick, target->chat().nick, ts, std::string(text), action});
    const line_ptr line = share(wire::pm(id, p.chat().nick, target->chat().nick, ts, text, action));
    target->deliver(line);
    if (target != &p) p.deliver(line);
    if (!target->chat().away.empty() && target != &p) tell_away(p, *target);
}

void dispatcher::on_nick(participant& p, const json& b) {
    wire_error err;
    auto nick = get_string(b, "nick", err);
    if (!nick) return refuse(p, err, "nick", true);
    if (auto bad = check_nick(*nick, lim_)) return refuse(p, *bad, "nick", false, {}, wire::shown(*nick));
    peer_state& s = p.chat();
    const participant* holder = registry_.find_nick(*nick);
    if (owned_by_another(p, *nick)) return refuse(p, nick_owned(*nick), "nick", false, {}, *nick);
    if (holder != nullptr && holder != &p) {
        return refuse(p, {"nick_in_use", "the nick " + *nick + " is already in use"}, "nick", false, {}, *nick);
    }
    const line_ptr line = share(wire::encode(wire::out_json{{"type", "nick"}, {"old", s.nick}, {"new", *nick}, {"ts", now_ms()}}));
    if (*nick == s.nick) {
        // Nothing changes; only the asker hears back, so a client waiting for an answer gets one.
        p.deliver(line);
        return;
    }
    registry_.remove_nick(s.nick);
    s.nick = std::move(*nick);
    registry_.add_nick(s.nick, &p);
    claim_if_free(p);
    for (room* r : s.rooms) r->nick_changed();
    tell_neighbours(p, line, true);
    deliver_offline(p);
}

void dispatcher::pm_offline(participant& p, std::string_view to, std::string_view text, bool action) {
    // `to` fold-matches an owned nick, so it is a valid nick and safe to echo as sent.
    const std::string nick(to);
    if (auto bad = check_message(text, lim_)) return refuse(p, *bad, "pm", false, {}, nick);
    const store::mailbox box = store_->offline_waiting(nick);
    const std::size_t max_bytes = std::min(lim_.offline_bytes, lim_.sendq / 8);
    if (box.count >= lim_.offline_messages || box.bytes + text.size() > max_bytes) {
        return refuse(p,
                      {"offline_full", nick + " is offline and has " + std::to_string(box.count) + " messages (" +
                                           std::to_string(box.bytes) + " bytes) waiting, the most kept (" +
                                           std::to_string(lim_.offline_messages) + " messages, " +
                                           std::to_string(max_bytes) + " bytes); this one was not kept"},
                      "pm", false, {}, nick);
    }
    if (store_->offline_total() >= lim_.offline_total) {
        return refuse(p,
                      {"offline_full", nick + " is offline and the server keeps no more offline messages (" +
                                           std::to_string(lim_.offline_total) + " wait); this one was not kept"},
                      "pm", false, {}, nick);
    }
    const std::uint64_t id = ++next_id_;
    const std::int64_t ts = now_ms();
    const stored_message m{id, {}, p.chat().nick, nick, ts, std::string(text), action};
    // In the conversation's history too, so `history` with `nick` pages it like any pm.
    store_->append(m);
    store_->offline_put(m);
    p.deliver(share(wire::pm(id, m.from, m.to, ts, text, action, true)));
}

void dispatcher::deliver_offline(participant& p) {
    const peer_state& s = p.chat();
    if (s.key.empty() || store_->nick_owner(s.nick) != s.key) return;
    for (const stored_message& m : store_->offline_take(s.nick)) {
        p.deliver(share(wire::pm(m.id, m.from, m.to, m.ts, m.text, m.action, true)));
    }
}

void dispatcher::on_ping(participant& p, const json& b) {
    wire::out_json pong = {{"type", "pong"}};
    const auto it = b.find("token");
    if (it != b.end()) {
        if (!it->is_string() && !it->is_number_integer()) {
            return refuse(p, {"bad_frame", "field \"token\" must be a string or an integer"}, "ping", true);
        }
        if (it->is_string() && it->get_ref<const std::string&>().size() > 64) {
            return refuse(p, {"bad_frame", "field \"token\" is longer than 64 bytes"}, "ping", true);
        }
        pong["token"] = *it;
    }
    p.deliver(share(wire::encode(pong)));
}

void dispatcher::on_quit(participant& p, const json& b) {
    wire_error err;
    std::string reason;
    if (!optional_string(b, "reason", reason, err)) return refuse(p, err, "quit", true);
    reason = wire::clip(reason, lim_.max_topic);
    drop(p, reason.empty() ? std::string("quit") : "quit: " + reason);
}

}  // namespace chat
