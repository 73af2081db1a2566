// Fuzzes what every peer's bytes go through first: line splitting, frame decoding, field access,
// re-encoding, and the display sanitiser. Invariants are checked with __builtin_trap so a broken
// one is reported as a crash.
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "framing.hpp"
#include "fuzz_checks.hpp"
#include "limits.hpp"
#include "protocol.hpp"
#include "utf8.hpp"

namespace {

using fuzz::check;

void check_sanitized(std::string_view s) { fuzz::check_drawable(chat::utf8::sanitize(s)); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::setlocale(LC_ALL, "C.UTF-8");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const chat::limits lim;
    chat::line_splitter splitter(1024);
    // Feed in two uneven pieces so partial lines are exercised too.
    const std::size_t cut = size / 3;
    splitter.feed(bytes.substr(0, cut));
    std::string line;
    auto drain = [&] {
        for (;;) {
            const auto st = splitter.next(line);
            if (st != chat::line_splitter::status::line) return st;
            check(line.size() <= 1024 && line.find('\n') == std::string::npos);
            auto r = chat::decode(line, lim.max_depth);
            if (!r) {
                check(!r.error.code.empty() && !r.error.message.empty());
                continue;
            }
            const chat::json& body = r.value->body;
            chat::wire_error err;
            for (const char* key : {"nick", "room", "text", "topic", "to", "reason"}) {
                if (auto s = chat::get_string(body, key, err)) {
                    (void)chat::check_nick(*s, lim);
                    (void)chat::check_room(*s, lim);
                    (void)chat::check_text(*s, lim);
                    (void)chat::check_topic(*s, lim);
                    check_sanitized(*s);
                }
            }
            std::optional<std::int64_t> since;
            (void)chat::optional_int(body, "since", since, err);
            bool action = false;
            (void)chat::optional_bool(body, "action", action, err);
            // Round trip: what we decoded re-encodes to one line that decodes to the same type.
            const std::string again = chat::encode(body);
            check(again.back() == '\n' && again.find('\n') == again.size() - 1);
            auto r2 = chat::decode(std::string_view(again).substr(0, again.size() - 1), lim.max_depth);
            check(r2 && r2.value->type == r.value->type);
        }
    };
    if (drain() == chat::line_splitter::status::too_long) return 0;
    splitter.feed(bytes.substr(cut));
    drain();
    check_sanitized(bytes);
    return 0;
}
