// The store without a disk: each room and conversation keeps its last messages in memory, as chatd
// always did, and everything is gone when the process ends.
#include <algorithm>
#include <deque>
#include <map>
#include <utility>

#include "store.hpp"
#include "store_search.hpp"

namespace chat {

std::string fold_name(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    }
    return out;
}

std::string conversation_key(std::string_view a, std::string_view b) {
    std::string x = fold_name(a);
    std::string y = fold_name(b);
    if (y < x) std::swap(x, y);
    // Nicks cannot hold '\n', and room keys start with '#': the two kinds of key never meet.
    return x + '\n' + y;
}

std::string store::nick_owner(std::string_view nick) const {
    const auto it = owners_.find(fold_name(nick));
    return it == owners_.end() ? std::string() : it->second;
}

std::size_t store::nicks_owned(std::string_view key) const {
    std::size_t n = 0;
    for (const auto& [nick, owner] : owners_) n += owner == key ? 1 : 0;
    return n;
}

void store::own_nick(const std::string& nick, const std::string& key) { owners_[fold_name(nick)] = key; }

store::mailbox store::offline_waiting(std::string_view nick) const {
    mailbox m;
    const auto it = offline_.find(fold_name(nick));
    if (it == offline_.end()) return m;
    m.count = it->second.size();
    for (const stored_message& x : it->second) m.bytes += x.text.size();
    return m;
}

void store::offline_put(const stored_message& m) {
    offline_[fold_name(m.to)].push_back(m);
    ++offline_count_;
}

std::vector<stored_message> store::offline_take(std::string_view nick) {
    std::vector<stored_message> out;
    const auto it = offline_.find(fold_name(nick));
    if (it == offline_.end()) return out;
    out = std::move(it->second);
    offline_.erase(it);
    offline_count_ -= out.size();
    return out;
}

namespace {

// Conversations (rooms and pairs of nicks) kept at most; a new one past this is not remembered.
constexpr std::size_t max_conversations = 4096;

class memory_store final : public store {
public:
    explicit memory_store(std::size_t per_room) : per_room_(per_room) {}

    std::string instance() const override { return {}; }
    void set_instance(const std::string&) override {}
    std::uint64_t last_id() const override { return 0; }

    bool find_room(std::string_view room, stored_room& out) override {
        const auto it = rooms_.find(fold_name(room));
        if (it == rooms_.end()) return false;
        out = it->second;
        return true;
    }

    std::vector<stored_room> rooms(std::size_t limit) override {
        std::map<std::string, stored_room> all = rooms_;
        for (const auto& [key, log] : logs_) {
            if (key.starts_with('#') && !log.empty()) all.try_emplace(key, stored_room{log.front().room, {}, {}, 0});
        }
        std::vector<stored_room> out;
        for (auto& [key, r] : all) {
            if (out.size() >= limit) break;
            out.push_back(std::move(r));
        }
        return out;
    }

    std::vector<stored_message> recent(std::string_view room, std::size_t count) override {
        std::vector<stored_message> out;
        const auto it = logs_.find(fold_name(room));
        if (it == logs_.end()) return out;
        const auto& log = it->second;
        const std::size_t n = std::min(count, log.size());
        out.assign(log.end() - static_cast<std::ptrdiff_t>(n), log.end());
        return out;
    }

    void append(stored_message m) override {
        if (per_room_ == 0) return;
        const std::string key = m.room.empty() ? conversation_key(m.from, m.to) : fold_name(m.room);
        auto it = logs_.find(key);
        if (it == logs_.end()) {
            if (logs_.size() >= max_conversations) return;
            it = logs_.emplace(key, std::deque<stored_message>{}).first;
        }
        it->second.push_back(std::move(m));
        if (it->second.size() > per_room_) it->second.pop_front();
    }

    void set_topic(const stored_room& r) override {
        const std::string key = fold_name(r.name);
        if (rooms_.size() >= max_conversations && !rooms_.contains(key)) return;
        rooms_[key] = r;
    }

    void commit() override {}

    history_page room_page(std::string_view room, std::uint64_t before, std::size_t limit) override {
        return page(fold_name(room), before, limit);
    }

    history_page pm_page(std::string_view a, std::string_view b, std::uint64_t before, std::size_t limit) override {
        return page(conversation_key(a, b), before, limit);
    }

    std::vector<stored_message> search(std::string_view words, std::string_view room, std::string_view nick,
                                       std::size_t limit) override {
        const auto terms = search_terms(words);
        std::vector<stored_message> out;
        if (terms.empty()) return out;
        const std::string want_room = fold_name(room);
        const std::string me = fold_name(nick);
        for (const auto& [key, log] : logs_) {
            const bool is_room = key.starts_with('#');
            if (!room.empty() && key != want_room) continue;
            if (!is_room && (!room.empty() || !party_of(key, me))) continue;
            for (const auto& m : log) {
                if (matches_all(m.text, terms)) out.push_back(m);
            }
        }
        std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.id > y.id; });
        if (out.size() > limit) out.resize(limit);
        return out;
    }

    const char* state() const override { return "memory"; }
    bool tick(std::int64_t) override { return false; }

private:
    static bool party_of(const std::string& key, const std::string& me) {
        const auto nl = key.find('\n');
        return std::string_view(key).substr(0, nl) == me || std::string_view(key).substr(nl + 1) == me;
    }

    history_page page(const std::string& key, std::uint64_t before, std::size_t limit) {
        history_page p;
        const auto it = logs_.find(key);
        if (it == logs_.end()) {
            p.complete = true;
            return p;
        }
        const auto& log = it->second;
        const auto end = std::lower_bound(log.begin(), log.end(), before,
                                          [](const stored_message& m, std::uint64_t id) { return m.id < id; });
        const auto n = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(limit), end - log.begin());
        p.messages.assign(end - n, end);
        // What memory dropped is gone, so the oldest message held is the start of what can be had.
        p.complete = end - n == log.begin();
        return p;
    }

    std::size_t per_room_;
    std::map<std::string, std::deque<stored_message>> logs_;
    std::map<std::string, stored_room> rooms_;
};

}  // namespace

std::unique_ptr<store> make_memory_store(std::size_t per_room) { return std::make_unique<memory_store>(per_room); }

}  // namespace chat
