#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace chat {

void logger::info(std::string_view msg) const {
    if (!enabled_) return;
    std::string line = timestamp();
    line += ' ';
    line += msg;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

void logger::conn(std::string_view msg) const {
    if (!quiet_) info(msg);
}

std::string logger::field(std::string_view raw, std::size_t max) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() < max ? raw.size() : max);
    const std::string_view kept = raw.substr(0, max);
    for (const char ch : kept) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += ch;
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (raw.size() > max) out += "...";
    return out;
}

std::string logger::timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

}  // namespace chat
