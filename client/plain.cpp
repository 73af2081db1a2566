#include "plain.hpp"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "driver.hpp"
#include "format.hpp"
#include "signals.hpp"
#include "update.hpp"

namespace chat::client {

void print_pending_output(model& m) {
    for (const auto& p : m.printed) {
        const std::string line = plain_text(p) + "\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
    }
    m.printed.clear();
    std::fflush(stdout);
}

int run_plain(model& m, event_queue& q, connection& conn, int signal_fd) {
    std::string inbuf;
    bool stdin_open = true;
    auto eof_deadline = std::chrono::steady_clock::time_point::max();
    std::string quit_frame;
    constexpr std::size_t max_line = 64 * 1024;  // a stdin line longer than this is sent in pieces

    auto submit = [&](std::string_view line) {
        effects fx;
        on_submit(m, line, fx);
        if (apply(fx, conn)) quit_frame = fx.quit_frame;
    };

    while (quit_frame.empty()) {
        print_pending_output(m);
        // After EOF, lines still waiting are sent at the paced rate while online; offline they get
        // a little time for the connection to come back.
        if (!stdin_open && m.state == conn_state::online) {
            eof_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        }
        if (!stdin_open && !m.pending.empty() && std::chrono::steady_clock::now() >= eof_deadline) {
            quit_frame = quit_without_typing(m);
            break;
        }
        if (!stdin_open && m.pending.empty()) {
            // EOF: everything read has been sent (or marked unsent); leave politely.
            quit_frame = quit_without_typing(m);
            break;
        }
        pollfd fds[3] = {{q.wake_fd(), POLLIN, 0}, {signal_fd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
        int timeout = tick_interval(m);
        if (!stdin_open && timeout < 0) timeout = 1000;
        const int n = ::poll(fds, 3, timeout);
        if (n < 0) continue;
        if ((fds[1].revents & POLLIN) != 0) {
            bool resized = false;
            if (drain_signals(signal_fd, resized)) {
                quit_frame = quit_without_typing(m);
                break;
            }
        }
        if ((fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            char buf[4096];
            const auto got = ::read(0, buf, sizeof buf);
            if (got <= 0) {
                stdin_open = false;
                eof_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                if (!inbuf.empty()) submit(inbuf);
                inbuf.clear();
            } else {
                inbuf.append(buf, static_cast<std::size_t>(got));
                std::size_t nl;
                while ((nl = inbuf.find('\n')) != std::string::npos) {
                    std::string line = inbuf.substr(0, nl);
                    inbuf.erase(0, nl + 1);
                    if (!line.empty() && line.back() == '\r') line.pop_back();
                    submit(line);
                }
                if (inbuf.size() > max_line) {
                    submit(inbuf);
                    inbuf.clear();
                }
            }
        }
        bool more = true;
        bool closed = false;
        while (more && !closed) closed = drain_events(m, q, conn, 512, more);
        effects tick;
        on_tick(m, tick);
        apply(tick, conn);
        if (closed) {
            print_pending_output(m);
            conn.stop();
            return 1;
        }
        if (!m.fatal.empty()) {
            print_pending_output(m);
            std::fprintf(stderr, "chat: %s\n", m.fatal.c_str());
            conn.stop();
            return 1;
        }
    }
    print_pending_output(m);
    // Offline, inside a lookup that nothing can interrupt: there is no server to tell.
    if (conn.resolving()) exit_during_lookup(0);
    finish_session(m, q, conn, quit_frame, std::chrono::seconds(2));
    print_pending_output(m);
    return 0;
}

}  // namespace chat::client
