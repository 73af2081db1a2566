// The part of update that handles connection events, ticks, the outgoing rate budget and the
// lines waiting for it.
#include "update.hpp"

#include <algorithm>

#include "clock.hpp"
#include "outgoing.hpp"
#include "protocol.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

}  // namespace

namespace {

// Brings the client's copy of the server's token bucket up to now: slightly under the server's rate
// and burst, so its bucket never runs dry because of us.
void refill(model& m) {
    const std::int64_t now = m.now.steady_ms;
    const double rate = m.lim.rate * 0.9;
    const double cap = std::max(1.0, m.lim.burst - 2);
    if (m.tokens_at == 0) m.tokens_at = now;
    m.tokens = std::min(cap, m.tokens + static_cast<double>(now - m.tokens_at) * rate / 1000.0);
    m.tokens_at = now;
}

}  // namespace

bool take_token(model& m) {
    if (m.lim.rate <= 0) return true;  // the server counts nothing
    refill(m);
    if (m.tokens < 1.0) return false;
    m.tokens -= 1.0;
    return true;
}

bool room_to_send(model& m) {
    // Lines handed to the network thread but not written yet wait here too (line mode's backpressure).
    if (m.send_backlog > m.max_send_backlog) return false;
    if (m.lim.rate <= 0) return true;  // the server counts nothing: the socket is the only pace
    // A say/pm is paid for when its answer comes (note_answered), as the server pays when it reads
    // it: the lines in flight are owed. Paid at sending, a bucket refilled while the server was not
    // reading (a stalled or loaded server) let a burst and the lines in flight arrive together, more
    // than the server's bucket holds, and it refused some (rate_limited).
    refill(m);
    return m.tokens - static_cast<double>(m.in_flight) >= 1.0;
}

std::size_t max_in_flight(const model& m) {
    if (m.lim.rate <= 0) return SIZE_MAX;
    return static_cast<std::size_t>(std::max(1.0, m.lim.burst / 2));
}

bool window_open(model& m) {
    // After a reconnect nothing new goes out before the old connection's unanswered lines are settled.
    if (settling(m) || m.unanswered_bytes > m.max_unanswered_bytes) return false;
    // An answer that never came (it should not happen) must not stop the client for good.
    if (m.in_flight > 0 && m.now.steady_ms - m.in_flight_at > 3000) {
        m.tokens -= static_cast<double>(m.in_flight);
        m.in_flight = 0;
    }
    return m.in_flight < max_in_flight(m);
}

void note_answered(model& m) {
    if (m.in_flight > 0) {
        --m.in_flight;
        if (m.lim.rate > 0) {
            refill(m);
            m.tokens -= 1.0;
        }
    }
    m.in_flight_at = m.now.steady_ms;
}

int tick_interval(const model& m) {
    if (m.state == conn_state::online && (!m.pending.empty() || settling(m))) return 100;
    if (m.state == conn_state::waiting) return 1000;
    return -1;
}

bool needs_tick(const model& m) { return tick_interval(m) >= 0; }

void on_event(model& m, const net_event& ev, effects& fx) {
    using k = net_event::kind;
    switch (ev.what) {
    case k::connecting:
        m.state = conn_state::connecting;
        break;
    case k::connected:
        m.state = conn_state::registering;
        m.nick_attempt = 0;
        if (m.nick.empty()) m.nick = m.wanted_nick;
        if (m.ever_welcomed) m.nick = m.wanted_nick;
        if (m.asking_password) break;  // hello waits for the password being typed
        fx.frames.push_back(outgoing::hello(m.nick, m.password));
        break;
    case k::frame:
        on_frame(m, ev.body, fx);
        break;
    case k::garbled:
        add_info(m, "garbled frame from the server: " + chat::utf8::sanitize(ev.text), kind::error);
        break;
    case k::disconnected: {
        const bool was_up = m.state == conn_state::online;
        m.state = conn_state::closed;
        m.last_disconnect = chat::utf8::sanitize(ev.text);
        if (!m.ever_welcomed) {
            if (m.fatal.empty()) m.fatal = m.last_disconnect;
            break;
        }
        if (was_up && !m.quit_requested) {
            const std::string text = "disconnected: " + m.last_disconnect + "; reconnecting (what you type is kept)";
            if (m.windows.empty()) add_line(m, m.status, make_line(kind::error, text));
            bool first = true;
            for (auto& w : m.windows) {
                add_line(m, w, make_line(kind::error, text), first);
                first = false;
            }
        }
        break;
    }
    case k::reconnect_wait:
        m.state = conn_state::waiting;
        m.reconnect_at = m.now.steady_ms + ev.number;
        break;
    case k::skipped:
        add_info(m, "[" + std::to_string(ev.number) + " events skipped: the screen could not keep up]", kind::error);
        break;
    case k::closed:
        m.state = conn_state::closed;
        break;
    case k::drained:
        break;  // the caller reads the backlog itself
    case k::unsent:
        note_unsent(m, ev, fx);
        break;
    case k::untrusted: {
        const std::string text = chat::utf8::sanitize(ev.text);
        m.unpinned_key = chat::utf8::sanitize(ev.key);
        if (m.fatal.empty()) m.fatal = text;
        if (m.ever_welcomed) {
            for (auto& w : m.windows) add_line(m, w, make_line(kind::error, text + "; not reconnecting"));
            if (m.windows.empty()) add_line(m, m.status, make_line(kind::error, text + "; not reconnecting"));
        }
        break;
    }
    }
}

bool waits_for_join(const model& m, std::string_view target, bool query) {
    if (query) return false;
    const auto i = find_window(m, target);
    return i && m.windows[*i].joining;
}

void flush_pending(model& m, effects& fx) {
    // In order: a line for a room still being joined holds back the ones typed after it.
    while (!m.pending.empty() && !waits_for_join(m, m.pending.front().window, m.pending.front().query) &&
           window_open(m) && room_to_send(m)) {
        pending_line p = std::move(m.pending.front());
        m.pending.pop_front();
        m.pending_bytes -= std::min(m.pending_bytes, p.text.size());
        // The server echoes the message; the pending copy goes so it is not shown twice.
        for (auto& w : m.windows) {
            std::erase_if(w.lines, [&](const chat_line& l) {
                if (l.local_id != p.local_id) return false;
                w.bytes -= std::min(w.bytes, l.text.size() + l.from.size() + l.to.size());
                return true;
            });
        }
        fx.frames.push_back(outgoing::message(p.window, p.query, p.text, p.action));
        note_sent(m, p);
        if (p.query) {
            m.sent_pms.push_back(p);
            if (m.sent_pms.size() > 16) m.sent_pms.pop_front();
        }
    }
}

void on_tick(model& m, effects& fx) {
    if (m.state == conn_state::online) settle_tick(m, fx);
    if (m.state != conn_state::online || m.pending.empty()) return;
    flush_pending(m, fx);
}

}  // namespace chat::client
