// The bounded, thread-safe hand-over from the network thread to the UI thread, with a wake-up fd.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "net_event.hpp"

namespace chat::client {

class event_queue {
public:
    // `capacity` bounds the events held; past it the oldest droppable event goes and a
    // "skipped" marker counts the loss, so a flood costs memory only up to the bound (full screen:
    // a screen that cannot keep up skips messages and says how many).
    // A `lossless` queue (line mode) drops nothing: the producer asks has_room() before reading
    // more input, and stops while it is false; it holds at most what one read adds past the bound.
    explicit event_queue(std::size_t capacity, bool lossless = false);
    ~event_queue();
    event_queue(const event_queue&) = delete;
    event_queue& operator=(const event_queue&) = delete;

    // Producer side (any thread). Never blocks on the consumer.
    void push(net_event ev);
    // Producer side: false while a lossless queue is full. Then `on_room` (set_on_room) is called
    // once, from the consumer's thread, when the consumer has taken it down to half.
    bool has_room();
    void set_on_room(std::function<void()> on_room);

    // Consumer side: poll() this fd for POLLIN; it is readable while events may be waiting.
    int wake_fd() const { return fd_; }

    // Takes up to `max` events (a pending skipped marker comes first) and clears the wake-up fd
    // when the queue is left empty. `more` tells whether events are still waiting.
    std::vector<net_event> pop_batch(std::size_t max, bool& more);

    std::size_t size() const;
    std::size_t dropped_total() const;

private:
    void drop_one();

    mutable std::mutex mutex_;
    std::deque<net_event> events_;
    std::size_t capacity_;
    bool lossless_ = false;
    bool want_room_ = false;         // the producer waits for room
    std::function<void()> on_room_;
    std::size_t skipped_ = 0;        // dropped since the last marker was handed out
    std::size_t dropped_total_ = 0;
    bool signalled_ = false;         // the fd holds a wake-up not yet consumed
    int fd_ = -1;
};

}  // namespace chat::client
