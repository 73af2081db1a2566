// The terminal as the UI thread uses it: the only code that talks to ncurses. Everything it is
// given to draw has been sanitised already; it still clips to the screen and never trusts widths.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "keys.hpp"
#include "paste_bytes.hpp"
#include "style.hpp"

struct screen;  // ncurses' SCREEN

namespace chat::client {


class terminal {
public:
    terminal() = default;
    ~terminal() { close(); }
    terminal(const terminal&) = delete;
    terminal& operator=(const terminal&) = delete;

    // Whether $TERM names a terminal ncurses can drive; checked before connecting, so an unusable
    // terminal fails before the nick is taken.
    static bool usable();

    // Takes over the screen (ncursesw, raw keys, no echo). False if the terminal cannot be used.
    // `theme` is look.theme: "dark", "light" (bars and dim text for a light background) or "mono".
    bool open(std::string_view theme = "dark");
    // Gives the screen back; safe to call on every exit path and more than once.
    void close();
    bool is_open() const { return open_; }

    // Ctrl-Z: gives the screen back and stops the process like any job; returns once continued
    // (fg), with the screen taken over again and due for a full repaint.
    void suspend();

    // Re-reads the size after SIGWINCH.
    void resize();
    int rows() const;
    int cols() const;

    void clear_all();   // the next refresh repaints every cell (Ctrl-L)
    void erase();
    // Draws UTF-8 at (y, x), cut to `max_cols` columns; returns the columns used.
    int put(int y, int x, std::string_view text, style s, int max_cols);
    void fill(int y, int x, int n, style s);
    void place_cursor(int y, int x);
    void refresh();

    // The mouse wheel (look.mouse): ncurses turns the terminal's mouse mode on (`\e[?1000h`, SGR
    // reports) and off again on close and suspend, as with bracketed paste. Off by default, so the
    // terminal's own selection works.
    void set_mouse(bool on);

    // Reads one key without waiting; false when none is waiting.
    bool read_key(key& k);

    // While a bracketed paste is coming in: milliseconds until it is given up on (its end marker
    // never came), for the poll timeout; -1 when no paste is open.
    int paste_wait_ms() const;

private:
    bool open_ = false;
    bool mouse_ = false;
    ::screen* screen_ = nullptr;  // from newterm; freed by close, so opening again does not leak
    // A bracketed paste being read: it may span several reads.
    bool in_paste_ = false;
    paste_bytes paste_{0};
    std::chrono::steady_clock::time_point paste_last_{};
    bool continue_paste(key& k);
};

}  // namespace chat::client
