// A session's clock as a pure type: what is due at `now`, and when the watchdog must next wake. Four
// deadlines: the hello, the keep-alive (a ping, then its answer), a write that moves no byte, and the
// linger of a closing connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "limits.hpp"

namespace chat {

class deadlines {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    enum class due {
        nothing,
        linger_over,    // closing and out of time to flush: close now
        write_stall,    // no byte taken for --write-stall: close now
        hello_timeout,  // not registered within --hello-timeout
        ping_timeout,   // the ping was not answered within --ping-timeout
        send_ping,      // quiet for --ping-interval: send a ping with token ping_token()
    };

    deadlines(const limits& lim, time_point now);

    void heard(time_point now) { last_heard_ = now; }
    // A hello has arrived but waits in the admission line: no hello timeout while it waits. When it
    // has been handled and refused, the next hello has a full timeout from `now`.
    void hello_waiting(bool waiting, time_point now) {
        hello_deadline_ = waiting ? time_point::max() : now + lim_.hello_timeout;
    }
    // The session began closing: it has `linger` to flush and see the peer go, and nothing else is due.
    void closing(time_point now, std::chrono::milliseconds linger);

    // The transport took no more: a stall starts unless one is running. True if it started.
    bool write_blocked(time_point now);
    // The transport took bytes: a stall in progress restarts from now, or ends if all went out.
    void write_progress(time_point now, bool all_written);
    bool stalling() const;

    // When on_due must next be asked.
    time_point next(bool registered) const;
    // What is due at `now`. send_ping also records the ping as sent.
    due on_due(time_point now, bool registered);
    std::int64_t ping_token() const { return ping_token_; }

    // A limit as error messages say it: 10000 ms is "10", 1500 ms is "1.5".
    static std::string seconds(std::chrono::milliseconds ms);

private:
    const limits& lim_;
    time_point hello_deadline_;
    time_point last_heard_;
    time_point ping_sent_{};
    time_point linger_deadline_{};
    // Since when the writer has waited for the transport to take a byte; max() while it is not waiting.
    time_point stall_from_ = time_point::max();
    std::int64_t ping_token_ = 0;
    bool ping_outstanding_ = false;
    bool closing_ = false;
};

}  // namespace chat
