// Who is here: registered nicks and existing rooms, both looked up case-insensitively.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "limits.hpp"
#include "participant.hpp"
#include "room.hpp"

namespace chat {

// ASCII case-insensitive hashing and comparison, usable with string_view keys (no folded copies).
struct ci_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept;
};
struct ci_equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept;
};

class registry {
public:
    using room_map = std::unordered_map<std::string, std::unique_ptr<room>, ci_hash, ci_equal>;

    explicit registry(const limits& lim);

    participant* find_nick(std::string_view nick) const;
    void add_nick(const std::string& nick, participant* p);
    void remove_nick(std::string_view nick);
    std::size_t nick_count() const { return nicks_.size(); }

    room* find_room(std::string_view name) const;
    // Creates a room; the caller has checked the name and the room limit.
    room* create_room(const std::string& name);
    // Frees a room nobody is in, except the default room which always exists.
    void drop_if_empty(room* r);
    room& lobby() { return *lobby_; }
    const room& lobby() const { return *lobby_; }
    const room_map& rooms() const { return rooms_; }
    std::size_t room_count() const { return rooms_.size(); }

private:
    const limits& lim_;
    std::unordered_map<std::string, participant*, ci_hash, ci_equal> nicks_;
    room_map rooms_;
    room* lobby_;
};

}  // namespace chat
