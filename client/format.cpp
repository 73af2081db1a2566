#include "format.hpp"

#include <algorithm>
#include <ctime>

#include "protocol.hpp"
#include "utf8.hpp"

namespace chat::client {

std::string clock_text(std::int64_t utc_ms) {
    const std::time_t secs = static_cast<std::time_t>(utc_ms / 1000);
    std::tm local{};
    localtime_r(&secs, &local);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &local);
    return buf;
}

std::string clock_text(std::int64_t utc_ms, const std::string& format) {
    const std::time_t secs = static_cast<std::time_t>(utc_ms / 1000);
    std::tm local{};
    localtime_r(&secs, &local);
    char buf[128];
    // The user's format: %n or %t would put a control character on screen, and an empty or too
    // long result falls back to hours and minutes.
    const std::size_t n = format.empty() ? 0 : std::strftime(buf, sizeof buf, format.c_str(), &local);
    if (n == 0) return clock_text(utc_ms).substr(0, 5);
    std::string out(buf, n);
    for (char& c : out) {
        if (c == '\n' || c == '\t') c = ' ';
    }
    return chat::utf8::sanitize(out);
}

namespace {

std::tm local_tm(std::int64_t utc_ms) {
    const std::time_t secs = static_cast<std::time_t>(utc_ms / 1000);
    std::tm local{};
    localtime_r(&secs, &local);
    return local;
}

}  // namespace

int day_key(std::int64_t utc_ms) {
    const std::tm t = local_tm(utc_ms);
    // Years past 9999 (only a hostile timestamp gets there) share one key rather than overflow.
    const long long year = std::clamp<long long>(static_cast<long long>(t.tm_year) + 1900, 0, 9999);
    return static_cast<int>(year * 10000 + (t.tm_mon + 1) * 100 + t.tm_mday);
}

std::string day_text(std::int64_t utc_ms) {
    const std::tm t = local_tm(utc_ms);
    char buf[64];
    std::strftime(buf, sizeof buf, "%A %d %B %Y", &t);
    return buf;
}

int nick_colour(std::string_view nick, int slots) {
    if (slots <= 0) return 0;
    // FNV-1a: cheap and stable across runs and machines, unlike std::hash.
    std::uint32_t h = 2166136261u;
    for (char c : chat::fold(nick)) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return static_cast<int>(h % static_cast<std::uint32_t>(slots));
}

std::string show_joiners(std::string_view s) {
    static constexpr std::string_view zwj = "\u200D";
    std::string out;
    out.reserve(s.size());
    for (std::size_t at = s.find(zwj); at != std::string_view::npos; at = s.find(zwj)) {
        out += s.substr(0, at);
        out += joiner_mark;
        s.remove_prefix(at + zwj.size());
    }
    out += s;
    return out;
}

std::string plain_body(const printed_line& p) {
    using k = chat_line::kind;
    const chat_line& l = p.line;
    const std::string where = p.query || p.window.empty() ? std::string() : p.window + " ";
    switch (l.what) {
    case k::message:
        return where + "<" + l.from + "> " + l.text;
    case k::action:
        return where + "* " + l.from + " " + l.text;
    case k::pm: {
        // Feature offline_pm: "[pm stored]" is ours, kept for an offline recipient; "[pm offline]"
        // one sent to us while we were offline, delivered at login.
        const std::string tag = !l.offline ? "[pm] " : l.self ? "[pm stored] " : "[pm offline] ";
        if (l.action) return tag + "* " + l.from + " -> " + l.to + ": " + l.text;
        return tag + "<" + l.from + " -> " + l.to + "> " + l.text;
    }
    case k::notice:
    case k::info:
        return where + "-- " + l.text;
    case k::error:
        return "error: " + l.text;
    case k::pending:
    case k::unsent: {
        const std::string tag = l.what == k::pending ? " (pending)" : " (unsent)";
        if (p.query) return "[pm] <" + l.from + " -> " + p.window + "> " + l.text + tag;
        return where + (l.action ? "* " + l.from + " " : "<" + l.from + "> ") + l.text + tag;
    }
    }
    return l.text;
}

std::string plain_text(const printed_line& p) {
    std::string out = p.line.what == chat_line::kind::error ? plain_body(p) : clock_text(p.line.ts) + " " + plain_body(p);
    // A multi-line message prints one line per line; those after the first start with "  | ", which
    // no other printed line does (they start with a time or "error:"), so a script can join them.
    for (std::size_t at = out.find('\n'); at != std::string::npos; at = out.find('\n', at + 1)) {
        out.insert(at + 1, continuation_prefix);
    }
    return out;
}

}  // namespace chat::client
