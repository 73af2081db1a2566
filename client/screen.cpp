// The full-screen loop: asleep in poll() on the keyboard, the network thread's wake-up fd and the
// signal fd; keys and events go through update, the screen is drawn once per batch.
#include "screen.hpp"

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "driver.hpp"
#include "notify.hpp"
#include "signals.hpp"
#include "terminal.hpp"
#include "update.hpp"
#include "view.hpp"

namespace chat::client {

namespace {

constexpr std::size_t batch_size = 512;  // events handled between two looks at the keyboard

}  // namespace

int run_screen(model& m, event_queue& q, connection& conn, int signal_fd) {
    terminal t;
    if (!t.open(m.cfg.theme)) {
        std::fprintf(stderr, "chat: cannot use this terminal; try --plain\n");
        return 1;
    }
    std::string quit_frame;
    bool more = false;
    bool dirty = true;
    while (quit_frame.empty()) {
        if (dirty) {
            fit_input(m, t.cols());
            draw(m, t);
            dirty = false;
            // After the screen is drawn, so the bell and notifications come with what caused them.
            if (!m.alerts.empty()) {
                const std::string out = take_alerts(m, std::getenv("TMUX") != nullptr);
                // Best effort: a terminal that takes no more now loses a bell, not a message.
                [[maybe_unused]] const auto n = ::write(STDOUT_FILENO, out.data(), out.size());
            }
        }
        pollfd fds[3] = {{0, POLLIN, 0}, {q.wake_fd(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
        // Asleep until a key, an event or a signal; a timeout only while something counts down.
        int timeout = more ? 0 : tick_interval(m);
        // A paste whose end marker is late is given up on in time, without another key.
        if (const int paste = t.paste_wait_ms(); paste >= 0 && (timeout < 0 || paste < timeout)) timeout = paste;
        const int n = ::poll(fds, 3, timeout);
        if (n < 0) continue;
        if ((fds[2].revents & POLLIN) != 0) {
            bool resized = false;
            if (drain_signals(signal_fd, resized)) {
                quit_frame = quit_without_typing(m);
                break;
            }
            if (resized) {
                t.resize();
                t.clear_all();
                dirty = true;
            }
        }
        if ((fds[0].revents & (POLLHUP | POLLERR)) != 0 && (fds[0].revents & POLLIN) == 0) {
            quit_frame = quit_without_typing(m);
            break;
        }
        key k;
        while (quit_frame.empty() && t.read_key(k)) {
            effects fx;
            bool redraw_all = false;
            m.now = clock_now();
            if (on_key(m, k, pane_rows(t.rows()), t.cols(), fx, redraw_all)) quit_frame = fx.quit_frame;
            apply(fx, conn);
            if (fx.suspend) t.suspend();
            if (redraw_all) {
                if (k.what == key::type::resize) t.resize();
                t.clear_all();
            }
            dirty = true;
        }
        // Events in batches, so a flood cannot keep the keyboard waiting; one redraw per batch.
        if ((fds[1].revents & POLLIN) != 0 || more) {
            const bool closed = drain_events(m, q, conn, batch_size, more);
            dirty = true;
            if (closed) break;
        }
        effects tick;
        m.now = clock_now();
        on_tick(m, tick);
        apply(tick, conn);
        if (needs_tick(m) || !tick.frames.empty()) dirty = true;
    }
    if (conn.resolving()) {
        // Offline, inside a lookup that nothing can interrupt: there is no server to tell.
        t.close();
        exit_during_lookup(0);
    }
    if (!quit_frame.empty()) {
        fit_input(m, t.cols());
        draw(m, t);
        finish_session(m, q, conn, quit_frame, std::chrono::seconds(1));
    } else {
        conn.stop();
    }
    t.close();
    return 0;
}

}  // namespace chat::client
