#include "driver.hpp"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "chat_log.hpp"
#include "protocol.hpp"
#include "signals.hpp"

namespace chat::client {

namespace {

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

bool apply(const effects& fx, connection& conn) {
    for (const auto& f : fx.frames) conn.send(f);
    if (fx.reconnect_now) conn.reconnect_now();
    return !fx.quit_frame.empty();
}

bool drain_events(model& m, event_queue& q, connection& conn, std::size_t max, bool& more) {
    bool closed = false;
    for (const auto& ev : q.pop_batch(max, more)) {
        effects fx;
        m.now = clock_now();
        on_event(m, ev, fx);
        apply(fx, conn);
        if (ev.what == net_event::kind::closed) closed = true;
    }
    write_logs(m);
    return closed;
}

bool start_session(model& m, event_queue& q, connection& conn, int signal_fd, std::chrono::milliseconds timeout,
                   std::string& error) {
    conn.start();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // The first joined room follows the welcome at once; waiting for it means the first screen
    // already shows #lobby. A server that sends no joined is still fine after the deadline.
    while (!(m.ever_welcomed && (m.ever_joined || std::chrono::steady_clock::now() >= deadline))) {
        if (!m.fatal.empty()) {
            error = m.fatal;
            return false;
        }
        const int wait = remaining_ms(deadline);
        if (wait == 0 && !m.ever_welcomed) {
            error = "timed out connecting to " + m.address;
            return false;
        }
        pollfd fds[2] = {{q.wake_fd(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
        const int n = ::poll(fds, signal_fd >= 0 ? 2 : 1, wait);
        if (n < 0) continue;
        if (signal_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
            bool resized = false;
            if (drain_signals(signal_fd, resized)) {
                error = "interrupted";
                return false;
            }
        }
        bool more = true;
        while (more) {
            if (drain_events(m, q, conn, 256, more) && m.fatal.empty() && !m.ever_welcomed) {
                error = m.last_disconnect.empty() ? "the connection closed" : m.last_disconnect;
                return false;
            }
        }
    }
    if (!m.fatal.empty()) {
        error = m.fatal;
        return false;
    }
    return true;
}

std::string quit_without_typing(model& m) {
    effects fx;
    m.now = clock_now();
    on_submit(m, "/quit", fx);
    return fx.quit_frame;
}

void exit_during_lookup(int status) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);
}

void finish_session(model& m, event_queue& q, connection& conn, std::string quit_frame, std::chrono::milliseconds grace) {
    m.quit_requested = true;
    conn.close(std::move(quit_frame), grace);
    const auto deadline = std::chrono::steady_clock::now() + grace + std::chrono::milliseconds(500);
    bool closed = false;
    while (!closed) {
        const int wait = remaining_ms(deadline);
        if (wait == 0) break;
        pollfd fd{q.wake_fd(), POLLIN, 0};
        if (::poll(&fd, 1, wait) <= 0) continue;
        bool more = true;
        while (more && !closed) closed = drain_events(m, q, conn, 256, more);
    }
    conn.stop();
}

}  // namespace chat::client
