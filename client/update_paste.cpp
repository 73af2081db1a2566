// The part of update that handles a bracketed paste: several lines become one multi-line message
// (never commands), shown first when it is long, and split into parts only when the server's limits
// say it must be.
#include <algorithm>

#include "protocol.hpp"
#include "update.hpp"
#include "utf8.hpp"
#include "windows.hpp"

namespace chat::client {

namespace {

using kind = chat_line::kind;

// Line breaks as "\n" (terminals send "\r"), no trailing break, no controls but tabs; invalid
// UTF-8 repaired. Counts what was removed so the offer can say so.
std::string normalise(std::string_view raw, std::size_t& removed) {
    const std::string text = chat::utf8::repair(raw);
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t cp = chat::utf8::decode(text, i);
        if (cp == '\r') {
            if (i < text.size() && text[i] == '\n') ++i;
            out += '\n';
        } else if (cp == '\n' || cp == '\t' || !chat::utf8::is_control(cp)) {
            chat::utf8::append(out, cp);
        } else {
            ++removed;
        }
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::size_t count_lines(std::string_view s) { return 1 + static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

std::vector<std::string> split_message(std::string_view text, const chat::limits& lim, std::size_t* blank_lines_left_out) {
    const std::size_t max_lines = std::max<std::size_t>(lim.max_lines, 1);
    const std::size_t max_bytes = std::max<std::size_t>(lim.max_text, 4);
    std::vector<std::string> parts;
    std::string cur;
    std::size_t cur_lines = 0;
    auto flush = [&] {
        if (cur_lines > 0) parts.push_back(std::move(cur));
        cur.clear();
        cur_lines = 0;
    };
    for (;;) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        // A line longer than a message goes in pieces cut on a character boundary.
        while (line.size() > max_bytes) {
            std::size_t cut = max_bytes;
            while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
            flush();
            parts.emplace_back(line.substr(0, cut));
            line.remove_prefix(cut);
        }
        const std::size_t need = cur.size() + (cur_lines > 0 ? 1 : 0) + line.size();
        if (cur_lines >= max_lines || need > max_bytes) flush();
        if (cur_lines > 0) cur += '\n';
        cur += line;
        ++cur_lines;
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    flush();
    // Blank lines alone are no message (the server refuses empty text): left out, and counted so the
    // offer can say so.
    std::size_t left_out = 0;
    std::erase_if(parts, [&](const std::string& p) {
        if (p.find_first_not_of('\n') != std::string::npos) return false;
        left_out += count_lines(p);
        return true;
    });
    if (blank_lines_left_out != nullptr) *blank_lines_left_out = left_out;
    return parts;
}

void offer_paste(model& m, std::string text, std::string note) {
    m.paste = {};
    m.paste.active = true;
    m.paste.lines = count_lines(text);
    std::size_t blank = 0;
    m.paste.parts = split_message(text, m.lim, &blank);
    if (blank > 0 && !m.paste.parts.empty()) {
        note += std::to_string(blank) + " blank lines in a row are left out: a message cannot be only blank lines. ";
    }
    m.paste.text = std::move(text);
    m.paste.note = std::move(note);
}

void on_paste(model& m, std::string_view raw, bool cut_short, bool too_big) {
    std::size_t removed = 0;
    std::string text = normalise(raw, removed);
    if (text.find('\n') == std::string::npos && !cut_short && !too_big && removed == 0) {
        m.input.insert_utf8(text);  // one line: it is typing, not a message of its own yet
        return;
    }
    // What was typed before the paste and after the cursor goes with it, in place.
    const std::string typed = m.input.utf8();
    std::size_t cursor_bytes = 0;
    for (std::size_t i = 0; i < m.input.cursor(); ++i) {
        std::string one;
        chat::utf8::append(one, m.input.text()[i]);
        cursor_bytes += one.size();
    }
    text = typed.substr(0, cursor_bytes) + text + typed.substr(cursor_bytes);
    m.input.clear();
    std::string note;
    if (cut_short) note = "the paste did not end properly (the terminal sent no end marker); this is what arrived. ";
    if (too_big) note += "the paste is larger than this client takes at once (1 MiB); this is its start, the rest was left out. ";
    if (removed > 0) note += std::to_string(removed) + " control characters were left out. ";
    const std::size_t lines = count_lines(text);
    // A few lines go to the input line to be looked at and sent with Enter; more are shown first.
    if (lines <= paste_ask_lines && note.empty() && split_message(text, m.lim).size() <= 1) {
        m.input.insert_text(text);
        return;
    }
    offer_paste(m, std::move(text), std::move(note));
}

bool send_text(model& m, effects& fx, const std::string& text) {
    if (m.windows.empty()) {
        add_info(m, "you are not in a room: /join #room first", kind::error);
        return false;
    }
    const auto parts = split_message(text, m.lim);
    if (parts.size() > 1) {
        offer_paste(m, text, {});
        return true;
    }
    if (parts.empty()) return true;
    return send_message(m, fx, m.windows[m.current].name, m.windows[m.current].query, parts.front(), false);
}

bool on_paste_key(model& m, const key& k, effects& fx) {
    using t = key::type;
    if (!m.paste.active) return false;
    if (k.what == t::enter) {
        paste_offer offer = std::move(m.paste);
        m.paste = {};
        if (m.windows.empty()) {
            add_info(m, "you are not in a room: /join #room first; the paste is back in the input line", kind::error);
            m.input.insert_text(offer.text);
            return true;
        }
        const window& w = m.windows[m.current];
        const std::string target = w.name;
        const bool query = w.query;
        for (std::size_t i = 0; i < offer.parts.size(); ++i) {
            if (!send_message(m, fx, target, query, offer.parts[i], false)) {
                // Refused (the pending cap): what did not go stays in the input line, nothing is lost.
                std::string rest;
                for (std::size_t j = i; j < offer.parts.size(); ++j) rest += (j > i ? "\n" : "") + offer.parts[j];
                m.input.insert_text(rest);
                break;
            }
        }
        return true;
    }
    if (k.what == t::escape) {
        m.input.insert_text(m.paste.text);
        m.paste = {};
        return true;
    }
    if (k.what == t::ctrl && (k.cp == U'c' || k.cp == U'd')) {
        m.paste = {};
        return false;  // quits as usual
    }
    return k.what != t::resize;  // other keys wait for the answer
}

}  // namespace chat::client
