// Fuzzes the bracketed-paste path: the terminal's bytes after a paste's start marker, gathered as
// terminal.cpp does (paste_bytes, with a size cap), made a paste key, applied to the model as the
// UI thread does, then confirmed with Enter as a user would (the offer, or a multi-line input line).
// Invariants (__builtin_trap, so a broken one is a crash): the collector keeps exactly the bytes
// before the end marker, up to its cap, and says when it cut or the marker never came; the paste
// alone sends nothing and runs nothing; confirming it sends only `say` frames to the room, never a
// command (no join, nick, quit...); and every pasted character but the controls the paste says it
// left out is in the messages sent or still in the input line, in order.
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_checks.hpp"
#include "paste_bytes.hpp"
#include "protocol.hpp"
#include "update.hpp"
#include "utf8.hpp"

namespace {

using chat::client::effects;
using chat::client::key;
using chat::client::model;
using chat::client::net_event;
using fuzz::check;

void feed_line(model& m, const std::string& line) {
    auto r = chat::decode(line, 8);
    check(static_cast<bool>(r));
    net_event ev;
    ev.what = net_event::kind::frame;
    ev.body = std::move(*r.value);
    effects fx;
    chat::client::on_event(m, ev, fx);
}

// The text of each frame, which must all be `say` to #lobby.
void take_says(const effects& fx, std::string& sent) {
    check(fx.quit_frame.empty());
    for (const auto& f : fx.frames) {
        auto r = chat::decode(std::string_view(f).substr(0, f.size() - 1), 8);
        check(static_cast<bool>(r));
        check(r.value->type == "say");
        check(r.value->body.value("room", "") == "#lobby");
        sent += r.value->body.value("text", "");
    }
}

// What of a paste must arrive: its characters without controls (line breaks, ESC...), tabs as spaces
// (the input line types them so).
std::string essence(std::string_view s) {
    const std::string text = chat::utf8::repair(s);
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t cp = chat::utf8::decode(text, i);
        if (cp == '\t') out += ' ';
        else if (!chat::utf8::is_control(cp)) chat::utf8::append(out, cp);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::setlocale(LC_ALL, "C.UTF-8");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    const bool multiline = (data[0] & 1) != 0;
    const bool add_end = (data[0] & 2) != 0;
    const std::size_t max_lines = 1 + data[1] % 8;
    const std::size_t max_text = 4 + data[2];
    const std::size_t cap = data[3] == 0 ? 1024 * 1024 : data[3];
    std::string stream(reinterpret_cast<const char*>(data) + 4, size - 4);
    if (add_end) stream += chat::client::paste_end_marker;

    // The collector, against the plain definition: the bytes before the first end marker.
    chat::client::paste_bytes collector(cap);
    bool ended = false;
    for (const char c : stream) {
        if (collector.feed(c)) {
            ended = true;
            break;
        }
    }
    const key k = collector.take(ended);
    const std::size_t end_at = stream.find(chat::client::paste_end_marker);
    const std::string reference = stream.substr(0, end_at);
    check(ended == (end_at != std::string::npos));
    check(k.cut_short == !ended);
    check(k.too_big == (reference.size() > cap));
    check(k.text == reference.substr(0, cap));
    check(collector.empty());

    // A registered client in #lobby, no rate limit, the paste limits from the input.
    model m;
    m.wanted_nick = "alice";
    net_event up;
    up.what = net_event::kind::connected;
    effects start;
    chat::client::on_event(m, up, start);
    feed_line(m, R"({"type":"welcome","version":1,"nick":"alice","server":"chatd","instance":"i","default_room":"#lobby","limits":{"rate":0,"max_text":)" +
                     std::to_string(max_text) + R"(,"max_lines":)" + std::to_string(max_lines) + R"(},"features":[)" +
                     (multiline ? R"("multiline")" : "") + "]}");
    feed_line(m, R"({"type":"joined","room":"#lobby","topic":"","members":["alice"],"history":0})");

    std::string sent;
    bool redraw = false;
    effects fx;
    check(!chat::client::on_key(m, k, 20, 80, fx, redraw));
    check(fx.frames.empty() && fx.quit_frame.empty());  // a paste alone sends nothing, runs nothing
    // Confirmed: Enter on the offer, or on a multi-line input line (a one-line paste is typing, and
    // Enter on it would be the user's own command).
    for (int n = 0; n < 4 && (m.paste.active || m.input.utf8().find('\n') != std::string::npos); ++n) {
        key enter;
        enter.what = key::type::enter;
        effects e;
        check(!chat::client::on_key(m, enter, 20, 80, e, redraw));
        take_says(e, sent);
    }
    check(!m.quit_requested);
    check(m.windows.size() == 1);
    check(m.nick == "alice");
    std::string kept = sent;
    for (const auto& p : m.pending) kept += p.text;
    kept += m.input.utf8();
    if (m.paste.active) kept += m.paste.text;
    check(essence(kept) == essence(k.text));
    return 0;
}
