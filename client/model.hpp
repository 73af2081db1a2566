// Everything the client knows and shows, as plain data: windows with their lines, the connection
// state, the nick, and lines waiting to be sent. update.cpp changes it; view.cpp and line_mode.cpp show it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "clock.hpp"
#include "input_line.hpp"
#include "limits.hpp"
#include "search_mode.hpp"
#include "settings.hpp"

namespace chat::client {

// One line in a window. All text fields were sanitised when the line was made.
struct chat_line {
    enum class kind {
        message,  // <from> text
        action,   // * from text
        pm,       // private message between `from` and `to`
        notice,   // joins, parts, quits, nick and topic changes: "-- text"
        info,     // local information (help, lists, connection state)
        error,    // an error from the server or a local one
        pending,  // typed while offline, not sent yet
        unsent,   // typed while offline and dropped
    };
    kind what = kind::info;
    std::int64_t ts = 0;  // UTC milliseconds; 0 until add_line stamps it with model::now
    std::string from;
    std::string to;
    std::string text;
    bool self = false;      // written by us
    bool history = false;   // replayed by the server on join
    bool action = false;    // a pm that is an action
    bool offline = false;   // a pm kept for an offline recipient: ours stored, or theirs delivered at login
    std::uint64_t local_id = 0;  // ties a pending line to its entry in model::pending
    std::uint64_t seq = 0;       // position in its window, for the "new" marker
};

// What a window holds that was not seen yet, for the status bar (weechat's hotlist levels).
enum class activity { none, notice, message, private_msg, mention };

// A notification waiting for the UI thread to ring the bell or send it to the terminal.
struct alert {
    std::string title;
    std::string body;
};

// A room, or a private conversation with one nick.
struct window {
    std::string name;             // "#room" or the peer's nick
    bool query = false;           // a private conversation
    bool joined = true;           // rooms: we are a member right now
    bool joining = false;         // rooms: /join sent, `joined` not back yet; lines typed here wait
    std::deque<chat_line> lines;
    std::int64_t max_id = 0;      // highest message id seen, to drop duplicates
    std::int64_t seen_at_join = 0;  // max_id when the last `joined` came: history past it was missed
    std::vector<std::string> members;
    std::string topic;
    std::size_t unread = 0;
    bool mentioned = false;       // an unread line names us
    activity act = activity::none;  // the most important unseen line
    bool mention_below = false;   // a line naming us arrived while scrolled back
    std::uint64_t next_seq = 1;
    std::uint64_t first_unread = 0;  // seq of the oldest unread line
    std::uint64_t marker = 0;     // seq of the line a "new" marker is drawn above (0: none)
    std::size_t scroll = 0;       // lines hidden below the pane, when scrolled back
    std::size_t scroll_cut = 0;   // and rows of the lowest line shown that are hidden too
    std::size_t bytes = 0;        // text held in `lines`, for the per-window cap
    // Stored history above what the window holds (feature history_pages): the lowest message id
    // held, a page asked for and not answered yet, and the server's "nothing older" reached.
    std::int64_t oldest_id = 0;
    bool fetching = false;
    bool history_start = false;
    // Feature quiet_rooms: the server sends no joins or parts about others here; `members` is what
    // the last `who` said.
    bool quiet = false;
};

// A line typed while offline, sent after the next welcome.
struct pending_line {
    std::uint64_t local_id = 0;
    std::string window;
    bool query = false;
    bool action = false;
    std::string text;
};

// A say or pm handed to the connection and not answered yet (its echo or an error answers it).
struct sent_line {
    pending_line line;
    std::string nick;  // ours when it was sent: the `from` of its echo
};

// After a reconnect, a rejoined room whose replay (`joined.history` messages) is awaited.
// For a private conversation (`query`), the newest `history` page of it is awaited instead.
struct replay_wait {
    std::string room;
    std::int64_t left = -1;  // history messages still to come; -1: `joined` not seen yet
    bool complete = true;    // false: the replay may be cut (it holds `limits.history` messages)
    bool query = false;      // `room` is a nick: the conversation's newest page settles it
};

// A multi-line paste waiting for the user's answer: Enter sends it, Esc puts it back in the input line.
struct paste_offer {
    bool active = false;
    std::string text;                 // lines joined by '\n'
    std::size_t lines = 0;
    std::vector<std::string> parts;   // the messages it goes out as: one unless the server's limits split it
    std::string note;                 // said with it (a paste with no end marker, left-out controls)
};

// Pastes of more lines than this are shown and confirmed before they are sent.
inline constexpr std::size_t paste_ask_lines = 5;

// A line added to a window, kept in order for line mode to print.
struct printed_line {
    std::string window;
    bool query = false;
    chat_line line;
};

enum class conn_state { connecting, registering, online, waiting, closed };

struct model {
    std::string address;          // host:port as given, for the status bar
    std::string nick;             // our nick as the server knows it (or wants to)
    std::string wanted_nick;      // the nick asked for at start or by /nick; reclaimed on reconnect
    std::string password;         // sent in hello when set (--password-file, config password_file, the prompt)
    std::string password_refused; // password_required or bad_password: why registration failed
    bool password_from_file = false;  // --password-file or the config's: never asked for instead
    bool asking_password = false; // after a reconnect was refused for its password: the input line asks
    std::string password_typed;   // the answer so far (UTF-8), drawn as one '*' per character
    std::string server;           // welcome.server
    std::string instance;         // welcome.instance of the server we talk to now
    conn_state state = conn_state::connecting;
    std::int64_t reconnect_at = 0;  // steady-clock ms of the next attempt while waiting
    // The time of the event being applied: the loops set it before each update (driver.cpp,
    // screen.cpp, line_mode.cpp), and update reads it instead of a clock.
    moment now;
    int nick_attempt = 0;         // how many alternative nicks were tried in this registration
    std::string last_disconnect;
    bool ever_welcomed = false;
    bool ever_joined = false;
    std::string fatal;            // set when the client cannot go on (bad nick at start, ...)
    std::string unpinned_key;     // the fingerprint of a server not yet trusted (the first-use question)
    bool quit_requested = false;

    std::vector<window> windows;
    std::size_t current = 0;
    window status;                // shown when no room or conversation is open

    bool drop_lobby = false;      // we had left #lobby before a reconnect: leave it again

    std::deque<pending_line> pending;
    std::uint64_t next_local_id = 1;

    // The server refuses frames past its rate limit, so typed lines are paced to stay under it:
    // a token bucket like the server's, a little slower.
    double tokens = 8;
    std::int64_t tokens_at = 0;
    // say/pm frames sent and not answered yet (the server answers each with its echo or an error).
    // At most burst/2 are in flight, so however late the server reads them (a loaded machine, a
    // stalled network thread), no more arrive together than its bucket holds.
    std::size_t in_flight = 0;
    std::int64_t in_flight_at = 0;  // when the last was sent or answered (a missed answer times out)
    // Delivery (update_delivery.cpp). Every say/pm sent stays in `unanswered` until answered, so a
    // connection that dies first loses nothing: after the reconnect its lines are `unsettled` until
    // the rejoined rooms' replays (`replays`) show which arrived; the rest go back to the front of
    // `pending`, and where nothing can tell, the line says it may not have arrived. Nothing new is
    // sent while lines are unsettled. Past `max_unanswered_bytes` (entries and their text) the
    // in-flight window closes.
    std::deque<sent_line> unanswered;
    std::size_t unanswered_bytes = 0;
    std::size_t max_unanswered_bytes = 1024 * 1024;
    std::deque<sent_line> unsettled;
    std::vector<replay_wait> replays;
    std::int64_t settle_by = 0;   // model clock: replays not finished by then tell nothing
    // Private conversations have no replay: after a reconnect to the same instance (feature
    // history_pages) the newest page of a few is asked for, and the pms past what each window
    // showed (`seen`) are shown as they would have been; the page also settles our pms in doubt.
    struct page_due {
        std::string nick;
        std::int64_t seen = 0;
    };
    std::vector<page_due> pages_due;
    std::size_t uncertain = 0;    // lines that may not have arrived (line mode's exit status too)

    input_line input;
    search_state isearch;         // Ctrl-R: the incremental search in progress
    paste_offer paste;
    chat::limits lim;             // from welcome.limits
    bool multiline = false;       // welcome.features has "multiline": a paste can be one message
    bool history_pages = false;   // welcome.features has "history_pages": PgUp at the top fetches more
    bool search = false;          // welcome.features has "search"
    std::size_t max_lines = chat::client_bounds::window_lines;         // per window
    std::size_t max_window_bytes = chat::client_bounds::window_bytes;  // per window
    std::size_t max_windows = chat::client_bounds::windows;
    std::size_t max_pending_bytes = chat::max_pending_bytes;  // text held in `pending`, at most
    std::size_t pending_bytes = 0;
    // Bytes handed to the network thread and not written yet (line mode sets it before each update):
    // past `max_send_backlog` lines wait in `pending` too, so a fast pipe cannot outrun the socket.
    std::size_t send_backlog = 0;
    std::size_t max_send_backlog = 256 * 1024;
    std::size_t refused = 0;      // lines refused (by us or the server): line mode's exit status
    std::vector<std::string> refusals;  // line mode: why, for stderr (drained by the printer)
    // Private messages sent lately, so one refused because the nick just left goes back to the input line.
    std::deque<pending_line> sent_pms;
    // Quiet rooms whose member list was asked for on joining: that `who` answer fills the list
    // without printing thousands of nicks.
    std::vector<std::string> quiet_who;

    bool line_mode = false;
    std::vector<printed_line> printed;  // line mode only: drained by the printer

    settings cfg;                 // from the config file, changed by /set, /notify, /ignore
    std::string config_file;      // where /ignore saves (empty: nowhere)
    std::vector<std::string> features;  // welcome.features of the server we talk to
    std::string away;             // our away reason, as the server confirmed it; empty: present
    std::vector<alert> alerts;    // full screen only: drained by the UI after drawing
    std::size_t alerts_more = 0;  // alerts past the cap since the last drain, announced as one
    std::vector<printed_line> to_log;  // lines for the logs on disk: drained after each batch
};

}  // namespace chat::client
