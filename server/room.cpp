#include "room.hpp"

#include <algorithm>
#include <utility>

namespace chat {

room::room(std::string name, std::size_t history_count, std::size_t history_bytes)
    : name_(std::move(name)), max_count_(history_count), max_bytes_(history_bytes) {}

void room::remove(participant* p) {
    const auto it = std::find(members_.begin(), members_.end(), p);
    if (it != members_.end()) members_.erase(it);
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
