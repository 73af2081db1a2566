#include "frame_fields.hpp"

#include "utf8.hpp"

namespace chat::client {

std::string text_of(const json& body, const char* key) {
    wire_error err;
    std::string out;
    if (!optional_string(body, key, out, err)) return {};
    return chat::utf8::sanitize(out);
}

std::string lines_of(const json& body, const char* key) {
    wire_error err;
    std::string out;
    if (!optional_string(body, key, out, err)) return {};
    return chat::utf8::sanitize_lines(out);
}

std::int64_t int_of(const json& body, const char* key) {
    wire_error err;
    std::optional<std::int64_t> out;
    if (!optional_int(body, key, out, err) || !out) return 0;
    return *out;
}

bool bool_of(const json& body, const char* key) {
    wire_error err;
    bool out = false;
    if (!optional_bool(body, key, out, err)) return false;
    return out;
}

// A server timestamp, or 0 when it is missing or outside years 1970-9999 (a hostile one would
// otherwise reach the calendar arithmetic of the day lines).
std::int64_t ts_of(const json& body) {
    constexpr std::int64_t year_10000 = 253'402'300'800'000;  // 10000-01-01T00:00:00Z in ms
    const std::int64_t ts = int_of(body, "ts");
    return ts > 0 && ts < year_10000 ? ts : 0;
}

std::vector<std::string> list_of(const json& body, const char* key) {
    std::vector<std::string> out;
    const auto it = body.find(key);
    if (it == body.end() || !it->is_array()) return out;
    for (const auto& v : *it) {
        if (v.is_string()) out.push_back(chat::utf8::sanitize(v.get<std::string>()));
    }
    return out;
}

}  // namespace chat::client
