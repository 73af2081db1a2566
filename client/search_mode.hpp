// Ctrl-R: incremental search of the current window's scroll-back (input line empty) or of the
// lines typed before (input line holding text, which becomes the first query). The state is plain
// data in the model; the keys, the matching and the highlight are here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chat::client {

struct model;
struct window;
struct key;
struct run;
struct effects;

struct search_state {
    enum class mode { off, scrollback, history };
    mode what = mode::off;
    std::string query;             // UTF-8, as typed
    std::string room;              // scroll-back: the window searched (a room or a nick)
    bool found = false;            // the match below is one
    bool no_older = false;         // Ctrl-R found nothing older than the match shown
    std::size_t from_end = 0;      // scroll-back: the matched line, counted from the newest (0)
    std::size_t history_at = 0;    // history: index of the match in the input history
    // Esc goes back to what was there before the search.
    std::size_t saved_scroll = 0;
    std::size_t saved_cut = 0;
    std::u32string saved_input;
    std::size_t saved_cursor = 0;
};

// A key while searching, or Ctrl-R starting a search. True when the search took the key. Any
// key that is not the search's own ends it, leaving the match in view (or in the input line), and
// is then handled as usual (false). `rows` and `cols` are the message pane's size. Past the oldest
// match of a room's scroll-back, Ctrl-R asks the server's stored history (feature "search") for
// the query, ending the search; the answer is shown in the window.
bool search_key(model& m, const key& k, std::size_t rows, int cols, effects& fx);

// Whether line `w.lines[index]` is the scroll-back match shown now.
bool is_search_match(const model& m, const window& w, std::size_t index);

// Splits `runs` (but the first, the time) so every case-insensitive occurrence of `query` is in a
// run of its own drawn `style::search_match`.
void mark_matches(std::vector<run>& runs, std::string_view query);

// What the status bar says while searching ("" when not): the mode, the query, and "not found".
std::string search_status(const model& m);

// A line was added to `w`: the match, counted from the newest line, moves one further up.
void search_line_added(model& m, const window& w);

}  // namespace chat::client
