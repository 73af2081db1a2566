#include "registry.hpp"

namespace chat {

namespace {

constexpr unsigned char lower(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'A' && u <= 'Z') ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
}

}  // namespace

std::size_t ci_hash::operator()(std::string_view s) const noexcept {
    // FNV-1a over the folded bytes: names are short, so this beats folding into a temporary.
    std::size_t h = 14695981039346656037ull;
    for (const char c : s) {
        h ^= lower(c);
        h *= 1099511628211ull;
    }
    return h;
}

bool ci_equal::operator()(std::string_view a, std::string_view b) const noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

registry::registry(const limits& lim) : lim_(lim) {
    lobby_ = create_room(default_room);
}

participant* registry::find_nick(std::string_view nick) const {
    const auto it = nicks_.find(nick);
    return it == nicks_.end() ? nullptr : it->second;
}

void registry::add_nick(const std::string& nick, participant* p) { nicks_[nick] = p; }

void registry::remove_nick(std::string_view nick) {
    const auto it = nicks_.find(nick);
    if (it != nicks_.end()) nicks_.erase(it);
}

room* registry::find_room(std::string_view name) const {
    const auto it = rooms_.find(name);
    return it == rooms_.end() ? nullptr : it->second.get();
}

room* registry::create_room(const std::string& name) {
    // History is bounded in bytes to half the send queue so replaying it on join never overflows the
    // joiner's own queue.
    auto r = std::make_unique<room>(name, lim_.history, lim_.sendq / 2);
    room* raw = r.get();
    rooms_.emplace(name, std::move(r));
    return raw;
}

void registry::drop_if_empty(room* r) {
    if (r == lobby_ || !r->empty()) return;
    const auto it = rooms_.find(std::string_view(r->name()));
    if (it != rooms_.end()) rooms_.erase(it);
}

}  // namespace chat
