// Fuzzes the client against a hostile server: every line is split and decoded as the network thread
// does it, applied to the model as the UI thread does it, then every window is laid out at a width
// taken from the input, with the status bar and the window titles. Invariants (checked with
// __builtin_trap so a broken one is reported as a crash): nothing that would reach the terminal is
// invalid UTF-8 or carries a control, invisible or direction-changing character; nothing crashes.
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "format.hpp"
#include "framing.hpp"
#include "fuzz_checks.hpp"
#include "layout.hpp"
#include "protocol.hpp"
#include "update.hpp"
#include "utf8.hpp"

namespace {

using chat::client::net_event;

using fuzz::check_drawable;

void feed_line(chat::client::model& m, const std::string& line) {
    net_event ev;
    auto r = chat::decode(line, 8);
    if (r) {
        ev.what = net_event::kind::frame;
        ev.body = std::move(*r.value);
    } else {
        ev.what = net_event::kind::garbled;
        ev.text = chat::utf8::sanitize(r.error.code + ": " + r.error.message);
    }
    chat::client::effects fx;
    chat::client::on_event(m, ev, fx);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::setlocale(LC_ALL, "C.UTF-8");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const int width = 1 + data[0] % 100;
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

    // A registered client in #lobby, so what follows reaches every handler.
    chat::client::model m;
    m.wanted_nick = "alice";
    net_event up;
    up.what = net_event::kind::connected;
    chat::client::effects fx;
    chat::client::on_event(m, up, fx);
    feed_line(m, R"({"type":"welcome","version":1,"nick":"alice","server":"chatd","instance":"i","default_room":"#lobby","limits":{}})");
    feed_line(m, R"({"type":"joined","room":"#lobby","topic":"","members":["alice"],"history":0})");

    chat::line_splitter splitter(16 * 1024);
    splitter.feed(bytes);
    std::string line;
    for (int n = 0; n < 256; ++n) {
        const auto st = splitter.next(line);
        if (st == chat::line_splitter::status::need_more) break;
        if (st == chat::line_splitter::status::too_long) {
            feed_line(m, "{");  // reported as garbled, as the network thread does
            break;
        }
        feed_line(m, line);
    }

    const int today = chat::client::day_key(chat::now_ms());
    for (const auto& w : m.windows) {
        check_drawable(w.name);
        check_drawable(w.topic);
        for (const auto& nick : w.members) check_drawable(nick);
        for (std::size_t i = 0; i < w.lines.size(); ++i) {
            for (const auto& row : chat::client::line_rows(m, w, i, width, today)) {
                for (const auto& piece : row) check_drawable(piece.text);
            }
        }
    }
    const auto bar = chat::client::status_line(m, width);
    for (const auto& piece : bar.left) check_drawable(piece.text);
    check_drawable(bar.right.text);
    return 0;
}
