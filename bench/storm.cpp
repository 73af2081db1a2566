// Storm: P clients already in the room exchange paced messages while C more connect, register and
// join that room at once (a crowd reconnecting after a restart). The figure is the latency of the
// paced messages sent while the storm lasts: can the people already there keep talking?
#include <algorithm>

#include "proc_stats.hpp"
#include "text_marker.hpp"
#include "workloads.hpp"

namespace bench {
namespace {

class storm_run {
public:
    storm_run(const options& opt, client_pool& pool)
        : opt_(opt), pool_(pool), p_(opt.clients), sent_(static_cast<std::size_t>(p_)),
          due_(static_cast<std::size_t>(p_)), received_(static_cast<std::size_t>(p_)) {}

    void on_message(int index, std::string_view text, std::int64_t recv_ns) {
        if (index >= p_) return;  // a joiner sees the paced messages too; only the paced are timed
        const auto st = read_text(text);
        if (!st || st->sender >= static_cast<std::uint32_t>(p_)) {
            ++malformed_;
            return;
        }
        ++received_[static_cast<std::size_t>(index)];
        last_recv_ = recv_ns;
        if (static_cast<int>(st->sender) == index) {
            ++echoes_;
            return;
        }
        ++to_others_;
        latencies_.push_back(recv_ns - st->sent_ns);
    }

    void on_writable(int) {}

    bool run(chat::json& out);

private:
    // Queues every message of `sender` that is due by `now`.
    void fill(int sender, std::int64_t now) {
        client& c = pool_.at(sender);
        auto& due = due_[static_cast<std::size_t>(sender)];
        bool any = false;
        while (now >= due) {
            auto& seq = sent_[static_cast<std::size_t>(sender)];
            make_text(text_, {static_cast<std::uint32_t>(sender), static_cast<std::uint32_t>(seq), now},
                      static_cast<std::size_t>(opt_.size));
            pool_.proto().append_say(c.out(), pool_.room(), text_);
            ++seq;
            due += static_cast<std::int64_t>(1e9 / opt_.rate);
            any = true;
        }
        if (any) pool_.send(sender);
    }

    const options& opt_;
    client_pool& pool_;
    int p_;
    std::vector<std::int64_t> sent_;      // per paced client: messages sent
    std::vector<std::int64_t> due_;       // per paced client: when its next message is due
    std::vector<std::int64_t> received_;  // per paced client: bench messages received
    std::vector<std::int64_t> latencies_; // ns, deliveries to the other paced clients
    std::int64_t to_others_ = 0;
    std::int64_t echoes_ = 0;
    std::int64_t malformed_ = 0;
    std::int64_t last_recv_ = 0;
    std::string text_;
};

bool storm_run::run(chat::json& out) {
    proc_sample before{};
    proc_sample after{};
    bool have_server = false;
    if (opt_.server_pid) {
        if (const auto s = sample_process(opt_.server_pid)) {
            before = *s;
            have_server = true;
        }
    }
    const std::int64_t bench_cpu0 = own_cpu_ns();
    const std::int64_t start = now_ns();
    const std::int64_t deadline = start + static_cast<std::int64_t>(opt_.setup_timeout * 1e9);
    // The paced clients start spread over one interval so they do not all fire together.
    for (int i = 0; i < p_; ++i) {
        due_[static_cast<std::size_t>(i)] = start + static_cast<std::int64_t>(1e9 / opt_.rate * i / p_);
    }
    pool_.grow(p_ + opt_.storm);
    bool timed_out = false;
    // The storm: joiners are let in as fast as --connect-concurrency allows; the paced clients talk on.
    while (pool_.ready() < pool_.size()) {
        if (pool_.lost_connections() > 0 || !pool_.error().empty()) break;
        // Connecting a crowd at once takes the load generator tens of milliseconds: a message is
        // stamped after that, when it is written, so the wait is not counted against the server.
        pool_.start_pending();
        const std::int64_t now = now_ns();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        std::int64_t wait = std::min<std::int64_t>(deadline - now, 10'000'000);
        for (int i = 0; i < p_; ++i) {
            fill(i, now);
            wait = std::min(wait, due_[static_cast<std::size_t>(i)] - now);
        }
        pool_.poll_once(wait, *this);
    }
    const std::int64_t storm_end = now_ns();
    const bool storm_ok = !timed_out && pool_.lost_connections() == 0 && pool_.error().empty();
    if (have_server) {
        if (const auto s = sample_process(opt_.server_pid)) after = *s;
        else have_server = false;
    }
    // Nothing more is sent; what was sent must still reach every other paced client (and, from
    // chatd, its sender).
    const bool echo = pool_.proto().echoes_to_sender();
    std::int64_t total_sent = 0;
    for (auto s : sent_) total_sent += s;
    const std::int64_t expected = total_sent * (p_ - 1) + (echo ? total_sent : 0);
    const std::int64_t drain_deadline = now_ns() + static_cast<std::int64_t>(opt_.timeout * 1e9);
    while (storm_ok && to_others_ + echoes_ < expected && now_ns() < drain_deadline) {
        if (pool_.lost_connections() > 0 || !pool_.error().empty()) break;
        pool_.poll_once(10'000'000, *this);
    }
    const std::int64_t got = to_others_ + echoes_;
    const std::int64_t bench_cpu = own_cpu_ns() - bench_cpu0;

    out["storm_clients"] = opt_.storm;
    out["storm_s"] = static_cast<double>(storm_end - start) / 1e9;
    out["messages_sent"] = total_sent;
    out["deliveries_expected"] = expected;
    out["deliveries_received"] = got;
    out["deliveries_to_others"] = to_others_;
    out["echoes"] = echoes_;
    out["losses"] = expected > got ? expected - got : 0;
    out["extra"] = got > expected ? got - expected : 0;
    out["malformed"] = malformed_;
    out["lost_connections"] = pool_.lost_connections();
    out["connect_retries"] = pool_.connect_retries();
    out["timed_out"] = timed_out;
    out["latency_us"] = latency_us(latencies_);
    out["bench_cpu_s"] = static_cast<double>(bench_cpu) / 1e9;
    if (have_server) {
        const std::int64_t sched_cpu = after.sched_ns - before.sched_ns;
        out["server"] = {{"storm_cpu_s", static_cast<double>(sched_cpu > 0 ? sched_cpu : after.cpu_ns - before.cpu_ns) / 1e9},
                         {"rss_before_kb", before.rss_kb},
                         {"rss_after_kb", after.rss_kb},
                         {"hwm_kb", after.hwm_kb}};
    }
    if (!pool_.error().empty()) out["error"] = pool_.error();
    return storm_ok && got == expected && malformed_ == 0;
}

}  // namespace

bool run_storm(const options& opt, client_pool& pool, chat::json& out) {
    storm_run run(opt, pool);
    return run.run(out);
}

}  // namespace bench
