#include "send_queue.hpp"

#include <utility>

namespace chat {

namespace {

// A drained queue gives its storage back, since most connections are idle most of the time (the
// 8 entries once kept cost every idle connection 144 bytes). The first line reserves this many,
// so a small queue grows with one allocation: a busy one allocates once per written turn, which
// carries tens of lines to each receiver in a fan-out.
constexpr std::size_t first_reserve = 8;
// Taken lines are compacted away once there are this many and they are most of the storage.
constexpr std::size_t compact_after = 1024;

}  // namespace

bool send_queue::push(const line_ptr& line) {
    if (bytes_ + line->size() > cap_) return false;
    bytes_ += line->size();
    if (lines_.capacity() == 0) lines_.reserve(first_reserve);
    lines_.push_back(line);
    return true;
}

void send_queue::push_past_cap(line_ptr line) {
    bytes_ += line->size();
    lines_.push_back(std::move(line));
}

void send_queue::drop_unbegun() {
    const std::size_t keep = head_ + (front_offset_ > 0 ? 1 : 0);
    for (std::size_t i = keep; i < lines_.size(); ++i) bytes_ -= lines_[i]->size();
    lines_.resize(keep);
}

std::size_t send_queue::gather(std::vector<iovec>& iov, std::size_t max_iov, std::size_t max_bytes) const {
    iov.clear();
    std::size_t offered = 0;
    for (std::size_t i = head_; i < lines_.size() && iov.size() < max_iov && offered < max_bytes; ++i) {
        const std::string& l = *lines_[i];
        const std::size_t off = i == head_ ? front_offset_ : 0;
        iov.push_back({const_cast<char*>(l.data()) + off, l.size() - off});
        offered += l.size() - off;
    }
    return offered;
}

void send_queue::consume(std::size_t n) {
    bytes_ -= n;
    while (n > 0) {
        const std::size_t left = lines_[head_]->size() - front_offset_;
        if (n < left) {
            front_offset_ += n;
            return;
        }
        n -= left;
        lines_[head_].reset();
        ++head_;
        front_offset_ = 0;
    }
    if (head_ == lines_.size()) {
        std::vector<line_ptr>().swap(lines_);
        head_ = 0;
    } else if (head_ > compact_after && head_ * 2 > lines_.size()) {
        lines_.erase(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
}

}  // namespace chat
