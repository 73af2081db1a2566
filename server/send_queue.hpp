// One client's output, as Redis keeps it: shared encoded lines, a hard cap in bytes, gathered into
// one write from the front, with the line the transport has begun kept whole.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <vector>

#include "participant.hpp"

namespace chat {

class send_queue {
public:
    explicit send_queue(std::size_t cap) : cap_(cap) {}

    bool empty() const { return head_ == lines_.size(); }
    std::size_t bytes() const { return bytes_; }  // not yet taken by the transport
    std::size_t cap() const { return cap_; }
    // Lines stored, taken ones not yet compacted away included; and the storage reserved for them.
    std::size_t stored() const { return lines_.size(); }
    std::size_t reserved() const { return lines_.capacity(); }

    // Queues `line` if the cap leaves room for it; otherwise queues nothing and returns false.
    bool push(const line_ptr& line);
    // Queues `line` whatever the cap: the last word to a peer being cut off.
    void push_past_cap(line_ptr line);
    // Drops every line not yet begun. The rest of a line already begun stays, so the stream stays
    // whole frames.
    void drop_unbegun();

    // Points `iov` at the unsent bytes from the front: at most `max_iov` entries, and no further
    // lines once `max_bytes` are offered. Returns the bytes offered.
    std::size_t gather(std::vector<iovec>& iov, std::size_t max_iov, std::size_t max_bytes) const;
    // The transport took `n` bytes from the front (at most bytes()).
    void consume(std::size_t n);

private:
    std::size_t cap_;
    // lines_[head_] onwards are unsent; front_offset_ bytes of lines_[head_] are out already.
    std::vector<line_ptr> lines_;
    std::size_t head_ = 0;
    std::size_t front_offset_ = 0;
    std::size_t bytes_ = 0;
};

}  // namespace chat
