// The text of a benchmark message: "cbm <sender> <seq> <send-time-ns> xxxx...", padded to the
// requested size. The send time is the steady clock of this process, so latency needs no clock sync.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

inline constexpr std::string_view marker = "cbm ";

struct stamp {
    std::uint32_t sender = 0;
    std::uint32_t seq = 0;
    std::int64_t sent_ns = 0;
};

// Writes the text into `out` (replacing its contents), `size` bytes long.
void make_text(std::string& out, const stamp& s, std::size_t size);

// Reads the stamp back from a received text; nullopt if it is not ours or is mangled.
std::optional<stamp> read_text(std::string_view text);

}  // namespace bench
