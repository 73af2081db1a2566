#include "line_mode.hpp"

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
    if (!m.printed.empty()) {
        std::string out;
        for (const auto& p : m.printed) {
            out += plain_text(p);
            out += '\n';
        }
        m.printed.clear();
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
    }
    for (const auto& r : m.refusals) std::fprintf(stderr, "chat: %s\n", r.c_str());
    if (!m.refusals.empty()) std::fflush(stderr);
    m.refusals.clear();
}

int run_plain(model& m, event_queue& q, connection& conn, int signal_fd) {
    std::string inbuf;
    bool stdin_open = true;
    auto eof_deadline = std::chrono::steady_clock::time_point::max();
    std::string quit_frame;
    constexpr std::size_t max_line = 64 * 1024;  // a stdin line longer than this is sent in pieces
    constexpr std::size_t chunk = 16 * 1024;     // read at once; every line in it is taken before the next read

    auto submit = [&](std::string_view line) {
        effects fx;
        const std::size_t errors = m.printed.size();
        m.now = clock_now();
        if (!on_submit(m, line, fx)) {
            ++m.refused;
            std::string why = "a line was refused";
            for (std::size_t i = errors; i < m.printed.size(); ++i) {
                if (m.printed[i].line.what == chat_line::kind::error) why = m.printed[i].line.text;
            }
            m.refusals.push_back("not sent: " + why);
        }
        if (apply(fx, conn)) quit_frame = fx.quit_frame;
    };

    while (quit_frame.empty()) {
        m.send_backlog = conn.backlog();
        print_pending_output(m);
        // After EOF, lines still waiting are sent at the paced rate while online; offline they get
        // a little time for the connection to come back.
        // Lines sent wait for their answers too (a connection that dies first sends them again), as
        // long as answers keep coming.
        if (!stdin_open && m.state == conn_state::online &&
            (!m.pending.empty() || steady_ms() - m.in_flight_at < 10000)) {
            eof_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        }
        if (!stdin_open && (!m.pending.empty() || !all_answered(m)) && std::chrono::steady_clock::now() >= eof_deadline) {
            if (!m.pending.empty()) {
                m.refused += m.pending.size();
                m.refusals.push_back(std::to_string(m.pending.size()) + " lines not sent: not connected");
            }
            give_up_unanswered(m);
            quit_frame = quit_without_typing(m);
            break;
        }
        if (!stdin_open && m.pending.empty() && all_answered(m)) {
            // EOF: everything read was sent, in order, and answered; leave politely.
            quit_frame = quit_without_typing(m);
            break;
        }
        // Backpressure: stdin is read only while nothing waits. Lines held for the rate budget, a
        // reconnect or a full socket leave the pipe full, so its writer blocks (as with `cat | nc`)
        // and memory stays bounded however large the input.
        const bool backlogged = m.send_backlog > m.max_send_backlog;
        const bool take_input = stdin_open && m.pending.empty() && !backlogged;
        if (backlogged) conn.notify_when_drained(m.max_send_backlog / 2);
        pollfd fds[3] = {{q.wake_fd(), POLLIN, 0}, {signal_fd, POLLIN, 0}, {take_input ? 0 : -1, POLLIN, 0}};
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
            char buf[chunk];
            const auto got = ::read(0, buf, sizeof buf);
            if (got <= 0) {
                stdin_open = false;
                eof_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                if (!inbuf.empty()) submit(inbuf);
                inbuf.clear();
            } else {
                inbuf.append(buf, static_cast<std::size_t>(got));
                std::size_t from = 0;
                std::size_t nl;
                while (quit_frame.empty() && (nl = inbuf.find('\n', from)) != std::string::npos) {
                    std::string_view line(inbuf.data() + from, nl - from);
                    from = nl + 1;
                    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                    m.send_backlog = conn.backlog();
                    submit(line);
                }
                inbuf.erase(0, from);
                if (inbuf.size() > max_line) {
                    submit(inbuf);
                    inbuf.clear();
                }
            }
        }
        bool more = true;
        bool closed = false;
        // Printed batch by batch: a producer that keeps the queue full cannot make output pile up.
        while (more && !closed) {
            closed = drain_events(m, q, conn, 512, more);
            print_pending_output(m);
        }
        m.send_backlog = conn.backlog();
        effects tick;
        m.now = clock_now();
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
    if (conn.resolving()) exit_during_lookup(m.refused > 0 ? 1 : 0);
    finish_session(m, q, conn, quit_frame, std::chrono::seconds(2));
    print_pending_output(m);
    // A line the server refused (too long, rate limited, a nick that left) was said on stderr as
    // it came; the status tells a script that not everything went through.
    return m.refused > 0 ? 1 : 0;
}

}  // namespace chat::client
