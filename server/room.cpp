#include "room.hpp"

#include <algorithm>
#include <utility>

#include "wire.hpp"

namespace chat {

room::room(std::string name, std::size_t history_count, std::size_t history_bytes)
    : name_(std::move(name)), max_count_(history_count), max_bytes_(history_bytes) {}

void room::add(participant* p) {
    members_.push_back(p);
    if (members_json_stale_) return;
    members_json_.pop_back();  // the closing ']'
    if (members_.size() > 1) members_json_ += ',';
    wire::append_string(members_json_, p->chat().nick);
    members_json_ += ']';
}

void room::remove(participant* p) {
    const auto it = std::find(members_.begin(), members_.end(), p);
    if (it == members_.end()) return;
    members_.erase(it);
    members_json_stale_ = true;
}

const std::string& room::members_json() const {
    if (members_json_stale_) {
        members_json_.assign(1, '[');
        for (std::size_t i = 0; i < members_.size(); ++i) {
            if (i > 0) members_json_ += ',';
            wire::append_string(members_json_, members_[i]->chat().nick);
        }
        members_json_ += ']';
        members_json_stale_ = false;
    }
    return members_json_;
}

void room::set_topic(std::string topic, std::string by, std::int64_t ts) {
    topic_ = std::move(topic);
    topic_by_ = std::move(by);
    topic_ts_ = ts;
}

void room::remember(std::uint64_t id, line_ptr line) {
    if (max_count_ == 0 || line->size() > max_bytes_) return;
    bytes_ += line->size();
    history_.push_back({id, std::move(line)});
    while (history_.size() > max_count_ || bytes_ > max_bytes_) {
        bytes_ -= history_.front().line->size();
        history_.pop_front();
    }
}

}  // namespace chat
