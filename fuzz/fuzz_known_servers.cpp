// Fuzzes the known_servers parser (client/known_servers.cpp) with hostile files. Invariants (checked
// with __builtin_trap): nothing crashes; every line is an entry, a bad line, or blank/comment, once,
// in order; an entry is a well-shaped host:port (lower-case) and a SHA256 fingerprint; check_pin
// trusts an entry's own key at its address and calls any other key there a change whose message
// names the entry's line; parsing the entries written back gives the same entries.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fingerprint.hpp"
#include "fuzz_checks.hpp"
#include "known_servers.hpp"

using fuzz::check;
namespace ks = chat::client;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const ks::known_servers k = ks::parse_known_servers(text);
    std::size_t lines = 0;
    for (std::size_t i = 0; i < text.size(); i = text.find('\n', i) == std::string_view::npos ? text.size() : text.find('\n', i) + 1) ++lines;
    check(k.entries.size() + k.bad_lines.size() <= lines);
    std::size_t last = 0;
    for (const std::size_t b : k.bad_lines) {
        check(b > last && b <= lines);
        last = b;
    }
    last = 0;
    std::string back;
    const std::string other = "SHA256:" + std::string(43, 'Z');
    for (const ks::known_server& e : k.entries) {
        check(e.line > last && e.line <= lines);
        last = e.line;
        check(chat::is_fingerprint(e.fingerprint));
        check(!e.where.empty() && e.where.find_first_of(" \t\r\n") == std::string::npos);
        for (const char c : e.where) check(!(c >= 'A' && c <= 'Z') && c > ' ' && c <= '~');
        const ks::pin_check p = ks::check_pin(k, e.where, e.fingerprint);
        check(p.what == ks::pin_check::verdict::trusted && p.pinned != nullptr && p.pinned->where == e.where);
        const ks::pin_check q = ks::check_pin(k, e.where, other);
        if (q.what == ks::pin_check::verdict::changed) {
            check(q.pinned != nullptr);
            const std::string msg = ks::changed_key_message(*q.pinned, other, "known_servers");
            check(msg.find("line " + std::to_string(q.pinned->line) + " of known_servers") != std::string::npos);
        } else {
            // Trusted only because some entry at this address pins `other` itself.
            check(q.what == ks::pin_check::verdict::trusted && q.pinned != nullptr && q.pinned->fingerprint == other);
        }
        back += e.where + " " + e.fingerprint + "\n";
    }
    const ks::known_servers again = ks::parse_known_servers(back);
    check(again.bad_lines.empty() && again.entries.size() == k.entries.size());
    for (std::size_t i = 0; i < again.entries.size(); ++i) {
        check(again.entries[i].where == k.entries[i].where && again.entries[i].fingerprint == k.entries[i].fingerprint);
    }
    return 0;
}
