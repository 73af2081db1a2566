// Differential fuzzing of the say/pm fast path: whenever fast_decode takes a line, the full decoder
// must accept it too, with the same type and exactly the same field values the dispatcher would read.
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fast_frame.hpp"
#include "fuzz_checks.hpp"
#include "protocol.hpp"

using fuzz::check;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::setlocale(LC_ALL, "C.UTF-8");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    chat::fast_frame fast;
    // A stale value from an earlier frame must never leak into this one.
    fast.action = true;
    fast.room = fast.to = fast.text = "stale";
    if (!chat::fast_decode(line, fast)) return 0;

    auto slow = chat::decode(line, 8);
    check(static_cast<bool>(slow));
    const bool is_say = fast.type == chat::fast_frame::kind::say;
    check(slow.value->type == (is_say ? "say" : "pm"));
    const chat::json& body = slow.value->body;
    chat::wire_error err;
    const auto target = chat::get_string(body, is_say ? "room" : "to", err);
    check(target.has_value() && *target == (is_say ? fast.room : fast.to));
    const auto text = chat::get_string(body, "text", err);
    check(text.has_value() && *text == fast.text);
    bool action = false;
    check(chat::optional_bool(body, "action", action, err));
    check(action == fast.action);
    return 0;
}
