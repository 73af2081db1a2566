// Fan-out: N clients in one room, S of them send M messages each (flat out, at a fixed rate, or with
// a bounded window); every client counts what it receives and times it against the stamp in the text.
#include <algorithm>
#include <cstdio>

#include "proc_stats.hpp"
#include "text_marker.hpp"
#include "workloads.hpp"

namespace bench {
namespace {

constexpr std::size_t fill_below = 16 * 1024;   // refill a sender's buffer when less than this waits
constexpr std::size_t fill_to = 64 * 1024;      // ... up to this much

class fanout_run {
public:
    fanout_run(const options& opt, client_pool& pool)
        : opt_(opt), pool_(pool), n_(opt.clients), s_(opt.senders), sent_(static_cast<std::size_t>(s_)),
          delivered_(static_cast<std::size_t>(s_)), due_(static_cast<std::size_t>(s_)),
          received_(static_cast<std::size_t>(n_)) {
        latencies_.reserve(static_cast<std::size_t>(s_) * static_cast<std::size_t>(opt.messages) *
                           static_cast<std::size_t>(n_ - 1));
    }

    void on_message(int index, std::string_view text, std::int64_t recv_ns) {
        const auto st = read_text(text);
        if (!st || st->sender >= static_cast<std::uint32_t>(s_)) {
            ++malformed_;
            return;
        }
        ++received_[static_cast<std::size_t>(index)];
        last_recv_ = recv_ns;
        if (static_cast<int>(st->sender) == index) {
            ++echoes_;
            return;
        }
        ++delivered_[st->sender];
        ++to_others_;
        latencies_.push_back(recv_ns - st->sent_ns);
    }

    void on_writable(int) {}

    bool run(chat::json& out);

private:
    // Messages of `sender` that every other member has received (exact when receivers keep pace).
    std::int64_t completed(int sender) const { return delivered_[static_cast<std::size_t>(sender)] / (n_ - 1); }

    bool may_send(int sender, std::int64_t now) const {
        const std::int64_t seq = sent_[static_cast<std::size_t>(sender)];
        if (seq >= opt_.messages) return false;
        if (opt_.window > 0 && seq - completed(sender) >= opt_.window) return false;
        if (opt_.rate > 0 && now < due_[static_cast<std::size_t>(sender)]) return false;
        return true;
    }

    void fill(int sender) {
        client& c = pool_.at(sender);
        if (c.state() != client::phase::ready || c.pending_out() >= fill_below) return;
        std::int64_t now = now_ns();
        bool any = false;
        while (c.pending_out() < fill_to && may_send(sender, now)) {
            auto& seq = sent_[static_cast<std::size_t>(sender)];
            make_text(text_, {static_cast<std::uint32_t>(sender), static_cast<std::uint32_t>(seq), now},
                      static_cast<std::size_t>(opt_.size));
            pool_.proto().append_say(c.out(), pool_.room(), text_);
            ++seq;
            if (opt_.rate > 0) due_[static_cast<std::size_t>(sender)] += static_cast<std::int64_t>(1e9 / opt_.rate);
            any = true;
        }
        if (any) {
            if (first_send_ == 0) first_send_ = now;
            last_send_ = now;
            pool_.send(sender);
        }
    }

    const options& opt_;
    client_pool& pool_;
    int n_;
    int s_;
    std::vector<std::int64_t> sent_;        // per sender: messages queued so far
    std::vector<std::int64_t> delivered_;   // per sender: deliveries of its messages to others
    std::vector<std::int64_t> due_;         // per sender: when its next message is due (rate mode)
    std::vector<std::int64_t> received_;    // per client: bench messages received
    std::vector<std::int64_t> latencies_;   // ns, deliveries to others only
    std::int64_t to_others_ = 0;
    std::int64_t echoes_ = 0;
    std::int64_t malformed_ = 0;
    std::int64_t first_send_ = 0;
    std::int64_t last_send_ = 0;
    std::int64_t last_recv_ = 0;
    std::string text_;
};

bool fanout_run::run(chat::json& out) {
    const bool echo = pool_.proto().echoes_to_sender();
    const std::int64_t m = opt_.messages;
    std::int64_t expected_total = 0;
    std::vector<std::int64_t> expected(static_cast<std::size_t>(n_));
    for (int i = 0; i < n_; ++i) {
        const std::int64_t from_others = (i < s_ ? s_ - 1 : s_) * m;
        expected[static_cast<std::size_t>(i)] = from_others + (echo && i < s_ ? m : 0);
        expected_total += expected[static_cast<std::size_t>(i)];
    }

    // Plain values rather than optionals: GCC 12 at -O3 misreads optional payloads as uninitialised.
    proc_sample before{};
    proc_sample after{};
    bool have_server = false;
    if (opt_.server_pid) {
        if (const auto s = sample_process(opt_.server_pid)) {
            before = *s;
            have_server = true;
        }
    }
    std::int64_t rss_peak = before.rss_kb;
    const std::int64_t bench_cpu0 = own_cpu_ns();
    const std::int64_t start = now_ns();
    const std::int64_t deadline = start + static_cast<std::int64_t>(opt_.timeout * 1e9);
    // Rate mode: senders start spread over one interval so they do not all fire together.
    for (int i = 0; i < s_; ++i) {
        due_[static_cast<std::size_t>(i)] =
            start + (opt_.rate > 0 ? static_cast<std::int64_t>(1e9 / opt_.rate * i / s_) : 0);
    }
    std::int64_t next_sample = start;
    std::int64_t got = 0;
    bool timed_out = false;
    while (true) {
        got = to_others_ + echoes_;
        if (got >= expected_total) break;
        std::int64_t now = now_ns();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        // A lost client can never receive what it is owed, and a refused message (an error frame,
        // e.g. rate_limited) is never delivered: either way the run has failed, so stop now.
        if (pool_.lost_connections() > 0 || !pool_.error().empty()) break;
        if (opt_.server_pid && now >= next_sample) {
            if (const auto s = sample_process(opt_.server_pid)) rss_peak = std::max(rss_peak, s->rss_kb);
            next_sample = now + 50'000'000;
        }
        for (int i = 0; i < s_; ++i) fill(i);
        std::int64_t wait = std::min<std::int64_t>(deadline - now, 50'000'000);
        if (opt_.rate > 0) {
            for (int i = 0; i < s_; ++i) {
                if (sent_[static_cast<std::size_t>(i)] < m) wait = std::min(wait, due_[static_cast<std::size_t>(i)] - now);
            }
        }
        pool_.poll_once(wait, *this);
    }
    const std::int64_t bench_cpu = own_cpu_ns() - bench_cpu0;
    if (have_server) {
        if (const auto s = sample_process(opt_.server_pid)) after = *s;
        else have_server = false;
    }
    rss_peak = std::max(rss_peak, after.rss_kb);

    std::int64_t losses = 0;
    std::int64_t extra = 0;
    for (int i = 0; i < n_; ++i) {
        const auto d = received_[static_cast<std::size_t>(i)] - expected[static_cast<std::size_t>(i)];
        if (d < 0) losses -= d;
        else extra += d;
    }
    const double secs = last_recv_ > first_send_ ? static_cast<double>(last_recv_ - first_send_) / 1e9 : 0;
    std::int64_t total_sent = 0;
    for (auto s : sent_) total_sent += s;

    out["messages_sent"] = total_sent;
    out["deliveries_expected"] = expected_total;
    out["deliveries_received"] = got;
    out["deliveries_to_others"] = to_others_;
    out["echoes"] = echoes_;
    out["losses"] = losses;
    out["extra"] = extra;
    out["malformed"] = malformed_;
    out["lost_connections"] = pool_.lost_connections();
    out["connect_retries"] = pool_.connect_retries();
    out["timed_out"] = timed_out;
    out["duration_s"] = secs;
    out["send_duration_s"] = static_cast<double>(last_send_ - first_send_) / 1e9;
    out["deliveries_per_s"] = secs > 0 ? static_cast<double>(to_others_) / secs : 0.0;
    out["latency_us"] = latency_us(latencies_);
    out["bench_cpu_s"] = static_cast<double>(bench_cpu) / 1e9;
    if (have_server) {
        // schedstat has ns resolution; utime+stime only ticks (10 ms). Both are reported.
        const std::int64_t ticks_cpu = after.cpu_ns - before.cpu_ns;
        const std::int64_t sched_cpu = after.sched_ns - before.sched_ns;
        const std::int64_t cpu = sched_cpu > 0 ? sched_cpu : ticks_cpu;
        out["server"] = {{"cpu_s", static_cast<double>(cpu) / 1e9},
                         {"cpu_s_utime_stime", static_cast<double>(ticks_cpu) / 1e9},
                         {"cpu_ns_per_delivery", to_others_ ? static_cast<double>(cpu) / static_cast<double>(to_others_) : 0.0},
                         {"cpu_ns_per_delivery_incl_echo", got ? static_cast<double>(cpu) / static_cast<double>(got) : 0.0},
                         {"rss_before_kb", before.rss_kb},
                         {"rss_peak_kb", rss_peak},
                         {"hwm_kb", after.hwm_kb}};
    }
    if (!pool_.error().empty()) out["error"] = pool_.error();
    return losses == 0 && extra == 0 && malformed_ == 0 && !timed_out && pool_.lost_connections() == 0 &&
           pool_.error().empty();
}

}  // namespace

chat::json latency_us(std::vector<std::int64_t>& ns) {
    const auto at = [&ns](double p) {
        if (ns.empty()) return 0.0;
        const auto k = static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1));
        std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
        return static_cast<double>(ns[k]) / 1000.0;
    };
    return {{"p50", at(0.50)}, {"p99", at(0.99)}, {"max", at(1.0)}};
}

bool run_fanout(const options& opt, client_pool& pool, chat::json& out) {
    fanout_run run(opt, pool);
    return run.run(out);
}

}  // namespace bench
