// Fuzzes the config loader (client/config.cpp) with hostile files: the TOML text is parsed into the
// settings as at start. Invariants (checked with __builtin_trap): nothing crashes or throws; a
// refused file leaves the settings untouched and is reported in one drawable line naming the file;
// an accepted one lists every setting in a form /set takes back unchanged (so /set and the file agree).
// The input's last line, when it starts with "set ", is also tried as a /set at run time.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config.hpp"
#include "fuzz_checks.hpp"
#include "settings.hpp"
#include "utf8.hpp"

namespace {

using chat::client::settings;
using fuzz::check;

bool same(const settings& a, const settings& b) {
    return chat::client::list_settings(a) == chat::client::list_settings(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    settings s;
    const settings before = s;
    std::string error;
    if (!chat::client::parse_config(text, "config", s, error)) {
        check(!error.empty());
        check(error.starts_with("config:"));
        check(error.find('\n') == std::string::npos);
        fuzz::check_drawable(error);
        check(same(s, before));
    } else {
        check(error.empty());
        // Every value as listed goes back through /set to the same settings.
        settings again;
        for (const auto& [key, value] : chat::client::list_settings(s)) {
            std::string why;
            check(chat::client::set_setting(again, key, value, why));
        }
        check(same(again, s));
    }
    // "set key value" on the last line: a run-time /set, which either changes the settings or
    // leaves them as they were with a drawable reason.
    const std::size_t last = text.rfind('\n');
    const std::string_view line = last == std::string_view::npos ? text : text.substr(last + 1);
    if (line.starts_with("set ")) {
        std::string_view rest = line.substr(4);
        const std::size_t space = rest.find(' ');
        const std::string_view key = rest.substr(0, space);
        const std::string_view value = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        settings t = s;
        std::string why;
        if (!chat::client::set_setting(t, key, value, why)) {
            check(!why.empty());
            check(same(t, s));
        }
        for (const auto& [k, v] : chat::client::list_settings(t)) {
            (void)k;
            check(chat::utf8::valid(v));
        }
    }
    return 0;
}
