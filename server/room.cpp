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

void participant::take_journals() {
    const std::uint64_t seen = chat_.notices_seen;
    chat_.notices_seen = *chat_.notices_sent;
    // One thread per server: one scratch list per thread serves every participant.
    thread_local std::vector<const room::notice*> due;
    due.clear();
    std::size_t sources = 0;
    for (const room* r : chat_.rooms) {
        const auto& j = r->journal();
        auto it = std::upper_bound(j.begin(), j.end(), seen,
                                   [](std::uint64_t s, const room::notice& n) { return s < n.seq; });
        if (it == j.end()) continue;
        ++sources;
        for (; it != j.end(); ++it) {
            if (it->skip != this) due.push_back(&*it);
        }
    }
    if (sources > 1) {
        // Several rooms: in the order sent, and a notice sent to several of them (a quit) once.
        std::stable_sort(due.begin(), due.end(), [](const room::notice* a, const room::notice* b) { return a->seq < b->seq; });
        due.erase(std::unique(due.begin(), due.end(), [](const room::notice* a, const room::notice* b) { return a->seq == b->seq; }),
                  due.end());
    }
    // put() never calls back into the dispatcher, so the journals stay as they are meanwhile.
    for (const room::notice* n : due) put(n->line);
    due.clear();
}

}  // namespace chat
