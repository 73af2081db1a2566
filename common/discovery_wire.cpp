#include "discovery_wire.hpp"

#include <random>

#include "protocol.hpp"
#include "utf8.hpp"

namespace chat::discovery {

namespace {

// A query or an answer is a flat object: deeper nesting is refused before anything is built.
constexpr std::size_t max_depth = 2;

bool all_of(std::string_view s, std::string_view extra) {
    for (const char c : s) {
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && extra.find(c) == std::string_view::npos) return false;
    }
    return true;
}

bool drawable(char32_t cp) { return !utf8::is_control(cp) && !utf8::is_invisible(cp); }

const json* member(const json& obj, const char* key) {
    const auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

std::optional<std::string> string_member(const json& obj, const char* key) {
    const json* v = member(obj, key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return v->get<std::string>();
}

std::optional<std::int64_t> int_member(const json& obj, const char* key) {
    const json* v = member(obj, key);
    if (v == nullptr || !(v->is_number_integer())) return std::nullopt;
    if (v->is_number_unsigned()) {
        const auto u = v->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    return v->get<std::int64_t>();
}

}  // namespace

bool valid_id(std::string_view id) { return !id.empty() && id.size() <= max_id && all_of(id, ""); }

bool valid_fingerprint(std::string_view fp) { return fp.size() <= max_fingerprint && all_of(fp, ":+/=_-"); }

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > max_name || !utf8::valid(name)) return false;
    std::size_t i = 0;
    while (i < name.size()) {
        if (!drawable(utf8::decode(name, i))) return false;
    }
    return true;
}

std::string make_name(std::string_view raw) {
    const std::string repaired = utf8::repair(raw);
    std::string out;
    std::size_t i = 0;
    while (i < repaired.size()) {
        const char32_t cp = utf8::decode(repaired, i);
        if (!drawable(cp)) continue;
        std::string one;
        utf8::append(one, cp);
        if (out.size() + one.size() > max_name) break;
        out += one;
    }
    return out;
}

std::string random_id() {
    static constexpr char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::random_device rd;
    std::string out(16, '0');
    for (char& c : out) c = chars[rd() % 36];
    return out;
}

std::string encode_query(std::string_view id) {
    std::string out = encode(json{{"type", "discover"}, {"version", 1}, {"id", std::string(id)}});
    out.pop_back();  // the '\n' of a TCP frame
    if (out.size() < min_query) out.resize(min_query, ' ');
    return out;
}

verdict parse_query(std::string_view datagram, std::string& id) {
    if (datagram.size() > max_datagram) return verdict::too_long;
    if (datagram.size() < min_query) return verdict::too_short;
    const auto r = decode(datagram, max_depth);
    if (!r || r.value->type != "discover") return verdict::garbage;
    const auto version = int_member(r.value->body, "version");
    auto got = string_member(r.value->body, "id");
    // Any version is answered with ours: the answer says what the server speaks.
    if (!version || !got || !valid_id(*got)) return verdict::garbage;
    id = std::move(*got);
    return verdict::ok;
}

std::string encode_answer(const answer& a) {
    json j{{"type", "chatd"}, {"id", a.id},         {"name", a.name}, {"port", a.port},
           {"version", a.version}, {"instance", a.instance}};
    if (!a.fingerprint.empty()) j["fingerprint"] = a.fingerprint;
    std::string out = encode(j);
    out.pop_back();
    return out;
}

std::optional<answer> parse_answer(std::string_view datagram, std::string_view expected_id) {
    if (datagram.size() > max_datagram) return std::nullopt;
    const auto r = decode(datagram, max_depth);
    if (!r || r.value->type != "chatd") return std::nullopt;
    const json& body = r.value->body;
    answer a;
    auto id = string_member(body, "id");
    auto name = string_member(body, "name");
    const auto port = int_member(body, "port");
    const auto version = int_member(body, "version");
    if (!id || *id != expected_id || !name || !valid_name(*name) || !port || *port < 1 || *port > 65535 ||
        !version) {
        return std::nullopt;
    }
    a.id = std::move(*id);
    a.name = std::move(*name);
    a.port = static_cast<std::uint16_t>(*port);
    a.version = *version;
    if (const json* v = member(body, "instance")) {
        if (!v->is_string()) return std::nullopt;
        a.instance = v->get<std::string>();
        if (a.instance.size() > max_instance || !all_of(a.instance, "")) return std::nullopt;
    }
    if (const json* v = member(body, "fingerprint")) {
        if (!v->is_string()) return std::nullopt;
        a.fingerprint = v->get<std::string>();
        if (!valid_fingerprint(a.fingerprint)) return std::nullopt;
    }
    return a;
}

}  // namespace chat::discovery
