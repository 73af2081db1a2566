#include "terminal.hpp"

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncurses.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>

#include "utf8.hpp"

namespace chat::client {

namespace {

int pair_of(style s) { return static_cast<int>(s) + 1; }

bool colours = false;  // set once at open(): bars use their own colours instead of reverse video

attr_t attrs_of(style s) {
    const attr_t bar = colours ? A_NORMAL : A_REVERSE;
    switch (s) {
    case style::dim: return A_DIM;
    case style::bold: return A_BOLD;
    case style::title: return bar;
    case style::status: return bar;
    case style::status_hl: return bar | A_BOLD;
    case style::act_notice: return bar;
    case style::act_message: return bar | A_BOLD;
    case style::act_private: return bar | A_BOLD;
    case style::act_mention: return bar | A_BOLD;
    case style::self: return A_BOLD;
    case style::pending: return A_DIM;
    case style::unsent: return A_BOLD;
    case style::highlight: return A_BOLD;
    case style::search_match: return A_REVERSE | A_BOLD;
    default: return A_NORMAL;
    }
}

void init_colours(std::string_view theme) {
    if (!has_colors() || theme == "mono") return;
    colours = true;
    start_color();
    use_default_colors();
    const bool light = theme == "light";
    const short bar_bg = COLORS >= 256 ? (light ? 252 : 236) : (light ? COLOR_WHITE : COLOR_BLUE);
    const short bar_fg = COLORS >= 256 ? (light ? 236 : 252) : (light ? COLOR_BLACK : COLOR_WHITE);
    auto pair = [](style s, short fg, short bg) { init_pair(static_cast<short>(pair_of(s)), fg, bg); };
    pair(style::normal, -1, -1);
    pair(style::dim, COLORS >= 256 ? 244 : -1, -1);
    pair(style::bold, -1, -1);
    pair(style::title, bar_fg, bar_bg);
    pair(style::status, bar_fg, bar_bg);
    pair(style::status_hl, COLORS >= 256 ? 229 : COLOR_YELLOW, bar_bg);
    pair(style::error, COLOR_RED, -1);
    pair(style::notice, COLORS >= 256 ? 245 : COLOR_CYAN, -1);
    pair(style::self, -1, -1);
    pair(style::pm, COLOR_MAGENTA, -1);
    pair(style::pending, COLORS >= 256 ? 244 : -1, -1);
    pair(style::unsent, COLOR_RED, -1);
    pair(style::highlight, COLOR_YELLOW, -1);
    pair(style::search_match, COLOR_YELLOW, -1);  // reversed: yellow behind the text
    // The status bar's windows by level, as weechat's hotlist: joins grey, talk white, private
    // green, a mention yellow.
    pair(style::act_notice, COLORS >= 256 ? 245 : COLOR_CYAN, bar_bg);
    pair(style::act_message, COLORS >= 256 ? 255 : COLOR_WHITE, bar_bg);
    pair(style::act_private, COLORS >= 256 ? 120 : COLOR_GREEN, bar_bg);
    pair(style::act_mention, COLORS >= 256 ? 226 : COLOR_YELLOW, bar_bg);
    // Nick colours that read well on dark and light backgrounds; red stays for errors.
    const short basic[nick_styles] = {COLOR_GREEN, COLOR_YELLOW, COLOR_BLUE, COLOR_MAGENTA,
                                      COLOR_CYAN, COLOR_GREEN, COLOR_YELLOW, COLOR_CYAN};
    const short rich[nick_styles] = {71, 172, 69, 133, 37, 107, 166, 98};
    for (int i = 0; i < nick_styles; ++i) {
        pair(static_cast<style>(static_cast<int>(style::nick0) + i), COLORS >= 256 ? rich[i] : basic[i], -1);
    }
}

// Completes a UTF-8 sequence that began with `lead`; anything malformed becomes U+FFFD and a byte
// that does not belong to it is left for the next key.
char32_t read_utf8(int lead) {
    const auto b0 = static_cast<unsigned char>(lead);
    const int len = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 1;
    std::string bytes(1, static_cast<char>(b0));
    while (static_cast<int>(bytes.size()) < len) {
        const int next = getch();
        if (next == ERR) break;
        if (next >= KEY_MIN || (next & 0xC0) != 0x80) {
            ungetch(next);
            break;
        }
        bytes += static_cast<char>(next);
    }
    std::size_t i = 0;
    const char32_t cp = chat::utf8::decode(bytes, i);
    return i == bytes.size() ? cp : chat::utf8::replacement;
}

// Bracketed paste (xterm mode 2004): the terminal marks a paste with these, so its lines are
// neither typed keys nor commands. Turned off again on every way out, suspend included.
constexpr const char* paste_on = "\x1b[?2004h";
constexpr const char* paste_off = "\x1b[?2004l";
constexpr auto paste_timeout = std::chrono::milliseconds(1000);  // no byte for this long: the end marker is lost
constexpr std::size_t max_paste = 1024 * 1024;

void bracketed_paste(bool on) {
    std::fputs(on ? paste_on : paste_off, stdout);
    std::fflush(stdout);
}

// Reads the rest of a CSI/SS3 sequence that ncurses passed through and maps the common keys.
void decode_sequence(char32_t intro, key& k) {
    using t = key::type;
    std::string seq(1, static_cast<char>(intro));
    for (int n = 0; n < 8; ++n) {
        const int ch = getch();
        if (ch == ERR) break;
        if (ch > 0x7E) {
            ungetch(ch);
            break;
        }
        seq += static_cast<char>(ch);
        if (ch >= 0x40 && ch <= 0x7E && !(n == 0 && intro == U'[' && ch == U'[')) break;
    }
    static const struct {
        const char* seq;
        t what;
        char32_t cp;
    } table[] = {
        {"[A", t::up, 0},     {"[B", t::down, 0},    {"[C", t::right, 0},   {"[D", t::left, 0},
        {"OA", t::up, 0},     {"OB", t::down, 0},    {"OC", t::right, 0},   {"OD", t::left, 0},
        {"[H", t::home, 0},   {"OH", t::home, 0},    {"[1~", t::home, 0},   {"[7~", t::home, 0},
        {"[F", t::end, 0},    {"OF", t::end, 0},     {"[4~", t::end, 0},    {"[8~", t::end, 0},
        {"[3~", t::del, 0},   {"[5~", t::page_up, 0}, {"[6~", t::page_down, 0},
        {"[200~", t::paste, 0},
        {"[1;5F", t::scroll_end, 0}, {"[1;3F", t::scroll_end, 0}, {"[4;5~", t::scroll_end, 0}, {"[4;3~", t::scroll_end, 0},
        {"[1;5H", t::home, 0}, {"[1;3H", t::home, 0},
        {"OP", t::function, 1}, {"OQ", t::function, 2}, {"OR", t::function, 3}, {"OS", t::function, 4},
    };
    for (const auto& e : table) {
        if (seq == e.seq) {
            k.what = e.what;
            k.cp = e.cp;
            return;
        }
    }
}

}  // namespace

bool terminal::open(std::string_view theme) {
    if (open_) return true;
    screen_ = newterm(nullptr, stdout, stdin);
    if (screen_ == nullptr) return false;
    open_ = true;
    raw();  // Ctrl-C and Ctrl-Z arrive as keys: Ctrl-C quits cleanly through the UI
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    init_colours(theme);
    bracketed_paste(true);
    return true;
}

void terminal::set_mouse(bool on) {
    if (!open_ || on == mouse_) return;
    mouse_ = on;
    // Only the wheel: buttons 4 and 5 pressed. No click timing, so a notch is a key at once.
    mouseinterval(0);
    mousemask(on ? (BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, nullptr);
}

void terminal::close() {
    if (!open_) return;
    open_ = false;
    if (mouse_) {
        mousemask(0, nullptr);
        mouse_ = false;
    }
    bracketed_paste(false);
    endwin();
    delscreen(screen_);
    screen_ = nullptr;
}

void terminal::suspend() {
    if (!open_) return;
    bracketed_paste(false);
    endwin();
    std::fflush(stdout);
    // Raw mode turns Ctrl-Z into a key, so the stop is raised here, with the default action, as
    // the shell expects; execution continues on SIGCONT. The network thread stops with us and
    // finds what arrived meanwhile in the socket's buffer.
    struct sigaction dfl{}, old{};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGTSTP, &dfl, &old);
    ::raise(SIGTSTP);
    ::sigaction(SIGTSTP, &old, nullptr);
    resize();  // the window may have changed size while we were stopped
    clear_all();
    ::refresh();
    bracketed_paste(true);
}

void terminal::resize() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) resize_term(ws.ws_row, ws.ws_col);
}

int terminal::rows() const { return LINES < 0 ? 0 : LINES; }
int terminal::cols() const { return COLS < 0 ? 0 : COLS; }

void terminal::clear_all() { clearok(curscr, TRUE); }

void terminal::erase() { ::erase(); }

int terminal::put(int y, int x, std::string_view text, style s, int max_cols) {
    if (y < 0 || x < 0 || y >= rows() || x >= cols() || max_cols <= 0) return 0;
    max_cols = std::min(max_cols, cols() - x);
    std::wstring out;
    int used = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = chat::utf8::decode(text, i);
        if (cp == chat::utf8::zero_width_joiner) {
            // Curses would drop it: the joiner is drawn as a mark (layout draws messages so already).
            constexpr std::wstring_view mark = L"<ZWJ>";
            if (used + static_cast<int>(mark.size()) > max_cols) break;
            out += mark;
            used += static_cast<int>(mark.size());
            continue;
        }
        int w = chat::utf8::width(cp);
        // Anything unprintable that slipped through is shown as a replacement, never sent raw.
        if (w < 0) {
            cp = chat::utf8::replacement;
            w = 1;
        }
        if (used + w > max_cols) break;
        if (w == 0 && out.empty()) continue;  // a combining mark with nothing to sit on
        out.push_back(static_cast<wchar_t>(cp));
        used += w;
    }
    attr_set(attrs_of(s), static_cast<short>(pair_of(s)), nullptr);
    mvaddnwstr(y, x, out.c_str(), static_cast<int>(out.size()));
    attr_set(A_NORMAL, static_cast<short>(pair_of(style::normal)), nullptr);
    return used;
}

void terminal::fill(int y, int x, int n, style s) {
    if (y < 0 || x < 0 || y >= rows() || x >= cols() || n <= 0) return;
    n = std::min(n, cols() - x);
    attr_set(attrs_of(s), static_cast<short>(pair_of(s)), nullptr);
    mvhline(y, x, ' ', n);
    attr_set(A_NORMAL, static_cast<short>(pair_of(style::normal)), nullptr);
}

void terminal::place_cursor(int y, int x) {
    if (rows() <= 0 || cols() <= 0) return;
    move(std::clamp(y, 0, rows() - 1), std::clamp(x, 0, cols() - 1));
}

void terminal::refresh() { ::refresh(); }

int terminal::paste_wait_ms() const {
    if (!in_paste_) return -1;
    const auto left = paste_last_ + paste_timeout - std::chrono::steady_clock::now();
    return static_cast<int>(std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(left).count()));
}

// Gathers a paste's bytes up to its end marker. Without one (a terminal that lost it, irssi #942)
// the paste ends after a second of silence with what arrived, said as such; past the cap the rest
// is read and left out, and that is said too.
bool terminal::continue_paste(key& k) {
    for (;;) {
        const int ch = getch();
        if (ch == ERR) {
            if (std::chrono::steady_clock::now() - paste_last_ < paste_timeout) return false;
            k = paste_.take(false);
            break;
        }
        paste_last_ = std::chrono::steady_clock::now();
        if (ch >= KEY_MIN) {
            paste_.feed_key(ch == KEY_ENTER);  // a key code curses made of pasted bytes: not text
            continue;
        }
        if (paste_.feed(static_cast<char>(ch))) {
            k = paste_.take(true);
            break;
        }
    }
    in_paste_ = false;
    return true;
}

bool terminal::read_key(key& k) {
    using t = key::type;
    if (in_paste_) return continue_paste(k);
    // Bytes, not get_wch: get_wch silently drops invalid UTF-8, and typed bytes must be repaired
    // to U+FFFD instead, so the user sees what happened.
    const int ch = getch();
    if (ch == ERR) return false;
    k = key{};
    if (ch >= KEY_MIN) {
        switch (ch) {
        case KEY_LEFT: k.what = t::left; break;
        case KEY_RIGHT: k.what = t::right; break;
        case KEY_UP: k.what = t::up; break;
        case KEY_DOWN: k.what = t::down; break;
        case KEY_HOME: k.what = t::home; break;
        case KEY_END: k.what = t::end; break;
        case KEY_BACKSPACE: k.what = t::backspace; break;
        case KEY_DC: k.what = t::del; break;
        case KEY_PPAGE: k.what = t::page_up; break;
        case KEY_NPAGE: k.what = t::page_down; break;
        case KEY_ENTER: k.what = t::enter; break;
        case KEY_RESIZE: k.what = t::resize; break;
        case KEY_MOUSE: {
            MEVENT ev{};
            if (getmouse(&ev) == OK) {
                if ((ev.bstate & BUTTON4_PRESSED) != 0) k.what = t::wheel_up;
                else if ((ev.bstate & BUTTON5_PRESSED) != 0) k.what = t::wheel_down;
            }
            break;
        }
        default:
            if (ch >= KEY_F(1) && ch <= KEY_F(12)) {
                k.what = t::function;
                k.cp = static_cast<char32_t>(ch - KEY_F0);
            } else if (const char* name = keyname(ch); name != nullptr) {
                // Modified keys have no fixed codes: terminfo names them (Ctrl-End is kEND5).
                const std::string_view n = name;
                if (n == "kEND5" || n == "kEND3" || n == "kEND7") k.what = t::scroll_end;
            }
            break;
        }
        return true;
    }
    if (ch >= 0x80) {
        k.what = t::character;
        k.cp = read_utf8(ch);
        return true;
    }
    const auto c = static_cast<char32_t>(ch);
    if (c == U'\r' || c == U'\n') {
        k.what = t::enter;
    } else if (c == 0x7F || c == 0x08) {
        k.what = t::backspace;
    } else if (c == U'\t') {
        k.what = t::tab;
    } else if (c == 0x1B) {
        // ESC followed at once by a key is Alt+key; a lone ESC does nothing. Escape sequences the
        // terminfo entry did not describe (TERM=xterm inside tmux sends "ESC [1~" for Home) are
        // decoded here.
        const int next = getch();
        if (next != ERR && next != 0x1B && next < 0x80) {
            if (next == '[' || next == 'O') {
                decode_sequence(static_cast<char32_t>(next), k);
                if (k.what == t::paste) {
                    in_paste_ = true;
                    paste_ = paste_bytes(max_paste);
                    paste_last_ = std::chrono::steady_clock::now();
                    if (!continue_paste(k)) k = key{};  // an unfinished paste is no key yet
                    return true;
                }
            } else {
                k.what = t::alt;
                k.cp = static_cast<char32_t>(next);
            }
        } else if (next != ERR) {
            ungetch(next);
        } else {
            k.what = t::escape;
        }
    } else if (c < 0x20) {
        k.what = t::ctrl;
        k.cp = c + U'a' - 1;
    } else {
        k.what = t::character;
        k.cp = c;
    }
    return true;
}

}  // namespace chat::client

// term.h (for setupterm) defines macros named like ordinary words (tab, lines, columns...), so it
// comes last, after every other use of those words in this file.
#include <term.h>

namespace chat::client {

bool terminal::usable() {
    int err = 0;
    if (setupterm(nullptr, STDOUT_FILENO, &err) != OK) return false;
    del_curterm(cur_term);
    cur_term = nullptr;
    return true;
}

}  // namespace chat::client
