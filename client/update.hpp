// The client's logic: how network events, typed lines and keys change the model, and which frames
// go out as a result. No terminal, no socket: tests drive it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "keys.hpp"
#include "model.hpp"
#include "net_event.hpp"
#include "windows.hpp"

namespace chat::client {

// What an update asks the outside world to do.
struct effects {
    std::vector<std::string> frames;  // encoded frames to send, in order
    std::string quit_frame;           // non-empty: send it, then close the connection for good
    bool reconnect_now = false;       // skip the rest of the reconnect countdown
    bool suspend = false;             // Ctrl-Z: stop like any job until continued (the UI thread does it)
};

void on_event(model& m, const net_event& ev, effects& fx);
// One frame from the server (on_event passes frames here).
void on_frame(model& m, const chat::frame& f, effects& fx);
// Sends pending lines as far as the rate budget allows.
void flush_pending(model& m, effects& fx);
// A typed line or command. False when a message was refused (the reason is shown): the input line
// keeps it. Commands with a mistake are answered with an error and true.
bool on_submit(model& m, std::string_view line, effects& fx);
// Sends a message (text may hold line breaks) or keeps it pending; false if refused (said on screen).
bool send_message(model& m, effects& fx, const std::string& target, bool query, const std::string& text, bool action);

// Pastes (update_paste.cpp). The messages `text` goes out as within the server's limits
// (max_lines lines, max_text bytes each), split at line breaks and, for a longer line, at a character.
std::vector<std::string> split_message(std::string_view text, const chat::limits& lim,
                                       std::size_t* blank_lines_left_out = nullptr);
// A bracketed paste arrived: one line is typed in; a few lines go to the input line as one message;
// more, or more than one message holds, become an offer shown before sending.
// `cut_short`: its end marker never came; `too_big`: it passed the terminal's cap (`raw` is its start).
void on_paste(model& m, std::string_view raw, bool cut_short, bool too_big = false);
void offer_paste(model& m, std::string text, std::string note);
// Enter on a line holding line breaks: one message, or an offer to send it in parts.
bool send_text(model& m, effects& fx, const std::string& text);
// A key while an offer is shown; true if it was the offer's (Enter sends, Esc puts it back).
bool on_paste_key(model& m, const key& k, effects& fx);

// Once a second while lines are pending: sends a few more without tripping the rate limit.
void on_tick(model& m, effects& fx);

// Applies one key. `page_rows` is the height of the message pane, for PgUp/PgDn, and `page_cols` the
// terminal's width (the side panels that are drawn take their part of it, panels.hpp).
// Returns true if the key asked to quit (the quit frame is then in `fx`). `redraw_all` is set for
// Ctrl-L.
bool on_key(model& m, const key& k, std::size_t page_rows, int page_cols, effects& fx, bool& redraw_all);
// Stored history (update_history.cpp): the features a welcome names, the lowest id a window holds,
// asking for the page above it, and showing `history` and `search` answers.
void note_features(model& m, const chat::json& welcome);
void note_oldest(window& w, std::int64_t id);
void request_older(model& m, window& w, effects& fx);
void on_history(model& m, const chat::json& body);
void on_search(model& m, const chat::json& body);
// /search words [#room]: false never (errors are shown); true once handled.
bool do_search(model& m, std::string_view words, const std::string& room, effects& fx);

// Scrolls the input line sideways so its cursor shows in a terminal `width` columns wide; the
// screen loop calls it before each draw.
void fit_input(model& m, int width);
// Scrolls the current window by screen rows of a pane `width` by `height` (positive: back).
void scroll_by(model& m, long rows, int width, int height);

// How long the UI may sleep before on_tick is due: -1 (no tick needed: idle), else milliseconds.
// Ticks run only during a reconnect countdown or while paced lines wait.
int tick_interval(const model& m);
bool needs_tick(const model& m);

// True while a line for this target must wait: its room's join is not confirmed yet.
bool waits_for_join(const model& m, std::string_view target, bool query);

// Takes one token of the outgoing rate budget (join, topic, history...); false when there is none.
bool take_token(model& m);
// Room in the budget for one more say/pm, counting those in flight as spent; it is paid for when
// its answer comes (note_answered).
bool room_to_send(model& m);
// The say/pm window: room for one more unanswered line (see model::in_flight); a line sent; an answer.
bool window_open(model& m);
void note_sent(model& m, const pending_line& p);
void note_answered(model& m);

// Delivery of sent lines (update_delivery.cpp; see model::unanswered). Our echo (`message`/`pm`
// from us, not history) or a refusal (`error` about say/pm) answers the line it is about.
void note_echo(model& m, const chat::frame& f);
void note_refused(model& m, const chat::json& body);
// A reconnect's welcome: what the old connection left unanswered waits for the replays of the rooms
// rejoined (on the same server instance) before anything new is sent.
// Private messages are settled by the newest `history` page of their conversation, asked for here
// (feature history_pages; at most a few conversations, the rest may not have arrived).
// Returns how many such pages it asked for.
std::size_t begin_settling(model& m, bool same_server, effects& fx);
// During settling: a rejoined room's `joined` (its `history` count), and each replayed message
// (called before it is shown). Settling ends when every awaited replay is complete.
void settle_joined(model& m, const std::string& room, std::int64_t replayed, effects& fx);
void settle_replayed(model& m, const chat::json& body, effects& fx);
// A refused rejoin: its room's replay will not come.
void settle_refused(model& m, const std::string& room, effects& fx);
// The reconnect's page of a conversation (model::pages_due): take_page_due says whether `body`
// answers one, and the id its window had shown (`seen`); settle_history then settles our pms in
// doubt by it.
std::optional<std::int64_t> take_page_due(model& m, const chat::json& body);
void settle_history(model& m, const chat::json& body, std::int64_t seen, effects& fx);
// A refused `history` request: if it was a reconnect's page, nothing is learnt from it.
void page_refused(model& m, const std::string& nick, effects& fx);
// Sends a request that counts against the server's rate limit (history, search, who...).
void send_counted(model& m, effects& fx, std::string frame);
// A frame the connection could not send (net_event::kind::unsent): said, never silently lost.
void note_unsent(model& m, const net_event& ev, effects& fx);
// Replays that did not come in time tell nothing: settling ends with what is known (on_tick).
void settle_tick(model& m, effects& fx);
bool settling(const model& m);
// Every line sent was answered (or settled): nothing is in doubt.
bool all_answered(const model& m);
// Lines sent and never answered, at the end (line mode gives up): each may not have arrived.
void give_up_unanswered(model& m);

}  // namespace chat::client
