// Fuzzes command handling: the input is split into lines, each line goes to one of four fake
// participants (chosen by its first byte) through dispatcher::on_line, and some bytes make a peer
// leave. Every frame the dispatcher delivers must be one valid UTF-8 JSON object on one line.
#include <chrono>
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher.hpp"
#include "fuzz_checks.hpp"
#include "participant.hpp"
#include "protocol.hpp"
#include "utf8.hpp"

namespace {

using fuzz::check;

class fake_peer final : public chat::participant {
public:
    void put(const chat::line_ptr& line) override {
        check(line && !line->empty() && line->back() == '\n');
        const std::string_view body(line->data(), line->size() - 1);
        check(body.find('\n') == std::string_view::npos);
        check(chat::utf8::valid(body));
        auto r = chat::decode(body, 8);
        check(static_cast<bool>(r));
        ++delivered_;
    }
    void close_after_flush(std::string_view) override { closing_ = true; }

    std::size_t delivered_ = 0;
    bool closing_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::setlocale(LC_ALL, "C.UTF-8");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    chat::limits lim;
    lim.rate = 0;  // the clock does not move here; rate limiting has its own tests
    lim.history = 4;
    chat::dispatcher d(lim, "fuzz");
    std::vector<std::unique_ptr<fake_peer>> peers;
    for (int i = 0; i < 4; ++i) peers.push_back(std::make_unique<fake_peer>());

    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto now = chat::dispatcher::clock::now();
    std::size_t start = 0;
    while (start < bytes.size()) {
        std::size_t end = bytes.find('\n', start);
        if (end == std::string_view::npos) end = bytes.size();
        std::string_view line = bytes.substr(start, end - start);
        start = end + 1;
        if (line.empty()) continue;
        const auto selector = static_cast<unsigned char>(line[0]);
        fake_peer& p = *peers[selector % peers.size()];
        if (selector == 0xFF) {  // this peer's connection drops
            d.leave(p, "connection lost");
            peers[selector % peers.size()] = std::make_unique<fake_peer>();
            continue;
        }
        line.remove_prefix(1);
        if (line.empty() || line.size() > lim.max_frame) continue;
        d.on_line(p, line, now);
        now += std::chrono::milliseconds(1);
    }
    for (auto& p : peers) d.leave(*p, "server shutdown");
    return 0;
}
