// Fuzzes the LAN discovery datagrams as both sides read them: chatd's query parser and the client's
// answer parser, plus the name sanitiser. What either accepts must be within the format's bounds,
// drawable, and re-encode to itself; an answer a server builds never outgrows the query it answers.
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "discovery_wire.hpp"
#include "fuzz_checks.hpp"

namespace dw = chat::discovery;
using fuzz::check;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::setlocale(LC_ALL, "C.UTF-8");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    std::string id;
    const dw::verdict v = dw::parse_query(bytes, id);
    if (v == dw::verdict::ok) {
        check(size >= dw::min_query && size <= dw::max_datagram && dw::valid_id(id));
        dw::answer a;
        a.id = id;
        a.name = std::string(dw::max_name, '"');
        a.port = 65535;
        a.instance = std::string(dw::max_instance, 'f');
        a.fingerprint = std::string(dw::max_fingerprint, '=');
        check(dw::encode_answer(a).size() <= size);
    } else {
        check(!(size < dw::min_query) || v == dw::verdict::too_short);
        check(!(size > dw::max_datagram) || v == dw::verdict::too_long);
    }

    // The client matches answers to its id; take the datagram's own "id" by trying a few.
    for (const std::string_view want : {std::string_view("q"), std::string_view(id)}) {
        const auto a = dw::parse_answer(bytes, want);
        if (!a) continue;
        check(a->id == want && dw::valid_name(a->name) && a->port >= 1);
        check(dw::valid_fingerprint(a->fingerprint) && a->instance.size() <= dw::max_instance);
        fuzz::check_drawable(a->name);
        const auto again = dw::parse_answer(dw::encode_answer(*a), want);
        check(again && again->name == a->name && again->port == a->port && again->version == a->version &&
              again->instance == a->instance && again->fingerprint == a->fingerprint);
    }

    const std::string name = dw::make_name(bytes);
    check(name.empty() || dw::valid_name(name));
    return 0;
}
