// chat-store-bench: the message store alone, as chatd uses it. Fills a state directory with N
// messages (if it holds fewer), then times what a running chatd asks of it: opening (start-up), a
// history page at a random point, and a search. Prints one JSON object on stdout.
//   chat-store-bench --dir DIR [--messages 1000000] [--rooms 20] [--pages 2000] [--searches 300]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include "store_sqlite.hpp"

namespace {

using clk = std::chrono::steady_clock;

double ms_since(clk::time_point t0) { return std::chrono::duration<double, std::milli>(clk::now() - t0).count(); }

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

long long file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : 0;
}

std::unique_ptr<chat::store> open(const std::string& dir) {
    chat::sqlite_settings s;
    s.dir = dir;
    chat::store_refused refused;
    auto st = chat::open_sqlite_store(s, [](const std::string& l) { std::fprintf(stderr, "%s\n", l.c_str()); }, refused);
    if (!st) {
        std::fprintf(stderr, "chat-store-bench: %s\n", refused.message.c_str());
        std::exit(1);
    }
    return st;
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir;
    std::size_t messages = 1'000'000;
    std::size_t rooms = 20;
    std::size_t pages = 2000;
    std::size_t searches = 300;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view a = argv[i];
        const char* v = argv[i + 1];
        if (a == "--dir") dir = v;
        else if (a == "--messages") messages = std::strtoull(v, nullptr, 10);
        else if (a == "--rooms") rooms = std::max<std::size_t>(1, std::strtoull(v, nullptr, 10));
        else if (a == "--pages") pages = std::strtoull(v, nullptr, 10);
        else if (a == "--searches") searches = std::strtoull(v, nullptr, 10);
    }
    if (dir.empty()) {
        std::fprintf(stderr, "usage: chat-store-bench --dir DIR [--messages N] [--rooms R] [--pages P] [--searches S]\n");
        return 2;
    }
    // Text from a vocabulary with a long tail, like chat: a few words everywhere, most rare.
    std::mt19937_64 rng(42);
    std::vector<std::string> vocab;
    for (int i = 0; i < 5000; ++i) {
        std::string w;
        for (int n = 3 + static_cast<int>(rng() % 6); n > 0; --n) w += static_cast<char>('a' + rng() % 26);
        vocab.push_back(w);
    }
    auto word = [&] {
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        return vocab[static_cast<std::size_t>(std::pow(u, 3.0) * static_cast<double>(vocab.size() - 1))];
    };
    auto room_of = [&](std::uint64_t k) { return "#room" + std::to_string(k % rooms); };

    double fill_ms = 0;
    std::uint64_t have = 0;
    {
        auto st = open(dir);
        have = st->last_id();
        const auto t0 = clk::now();
        std::uint64_t id = have;
        while (id < messages) {
            // One commit per 1000 messages: a busy loop turn.
            for (int k = 0; k < 1000 && id < messages; ++k) {
                ++id;
                std::string text;
                for (int n = 8 + static_cast<int>(rng() % 8); n > 0; --n) text += (text.empty() ? "" : " ") + word();
                st->append({id, room_of(id), "user" + std::to_string(id % 97), {}, 1764079200000 + static_cast<std::int64_t>(id), text, false});
            }
            st->commit();
        }
        fill_ms = ms_since(t0);
    }
    const long long db_bytes = file_size(dir + "/chatd.db") + file_size(dir + "/chatd.db-wal");

    // Start-up: what chatd does before it listens (open, identity, #lobby's recent messages).
    auto t0 = clk::now();
    auto st = open(dir);
    const auto recent = st->recent("#room0", 100);
    const double open_ms = ms_since(t0);
    const std::uint64_t last = st->last_id();

    std::vector<double> page_ms;
    for (std::size_t i = 0; i < pages; ++i) {
        const std::uint64_t before = 1 + rng() % last;
        const auto t = clk::now();
        const auto p = st->room_page(room_of(rng()), before, 100);
        page_ms.push_back(ms_since(t));
        if (!p.available) return 1;
    }
    std::vector<double> search_ms;
    std::size_t found = 0;
    for (std::size_t i = 0; i < searches; ++i) {
        std::string q = word();
        if (i % 2 == 1) q += " " + word();
        const bool in_room = i % 3 == 0;
        const auto t = clk::now();
        found += st->search(q, in_room ? room_of(rng()) : std::string(), "user1", 50).size();
        search_ms.push_back(ms_since(t));
    }
    std::printf("{\"messages\":%llu,\"rooms\":%zu,\"filled\":%llu,\"fill_ms\":%.0f,\"fill_us_per_message\":%.2f,"
                "\"db_bytes\":%lld,\"db_bytes_per_message\":%.1f,\"open_ms\":%.1f,\"recent\":%zu,"
                "\"page_p50_ms\":%.3f,\"page_p99_ms\":%.3f,\"page_max_ms\":%.3f,"
                "\"search_p50_ms\":%.3f,\"search_p99_ms\":%.3f,\"search_max_ms\":%.3f,\"search_results\":%zu}\n",
                static_cast<unsigned long long>(last), rooms, static_cast<unsigned long long>(messages > have ? messages - have : 0),
                fill_ms, messages > have ? fill_ms * 1000.0 / static_cast<double>(messages - have) : 0.0, db_bytes,
                static_cast<double>(db_bytes) / static_cast<double>(std::max<std::uint64_t>(last, 1)), open_ms,
                recent.size(), pct(page_ms, 0.5), pct(page_ms, 0.99), pct(page_ms, 1.0), pct(search_ms, 0.5),
                pct(search_ms, 0.99), pct(search_ms, 1.0), found);
    return 0;
}
