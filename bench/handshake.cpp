// Handshake: --clients connections, at most --connect-concurrency at once, each closed as soon as its
// TLS handshake is done. The figures are handshakes per second of wall time and the server's CPU time
// per handshake (accept, handshake and close), whose inverse is what one core of the server sustains.
#include "proc_stats.hpp"
#include "workloads.hpp"

namespace bench {

bool run_handshake(const options& opt, client_pool& pool, chat::json& out) {
    const auto before = opt.server_pid ? sample_process(opt.server_pid) : std::nullopt;
    const std::int64_t bench_cpu0 = own_cpu_ns();
    const std::int64_t start = now_ns();
    pool.set_handshake_only(true);
    const bool ok = pool.set_up(opt.clients);
    const std::int64_t end = now_ns();
    const std::int64_t bench_cpu = own_cpu_ns() - bench_cpu0;
    // The server may still be tearing down the last connections: its CPU is read after a quiet spell.
    pool.settle();
    const auto after = opt.server_pid ? sample_process(opt.server_pid) : std::nullopt;

    const double secs = static_cast<double>(end - start) / 1e9;
    out["handshakes"] = pool.ready();
    out["duration_s"] = secs;
    out["handshakes_per_s"] = secs > 0 ? pool.ready() / secs : 0.0;
    out["bench_cpu_s"] = static_cast<double>(bench_cpu) / 1e9;
    out["lost_connections"] = pool.lost_connections();
    out["connect_retries"] = pool.connect_retries();
    if (before && after && pool.ready() > 0) {
        const std::int64_t cpu = after->sched_ns - before->sched_ns;
        const double per = static_cast<double>(cpu) / pool.ready();
        out["server"] = {{"cpu_s", static_cast<double>(cpu) / 1e9},
                         {"cpu_s_utime_stime", static_cast<double>(after->cpu_ns - before->cpu_ns) / 1e9},
                         {"cpu_us_per_handshake", per / 1e3},
                         {"handshakes_per_cpu_s", per > 0 ? 1e9 / per : 0.0},
                         {"rss_before_kb", before->rss_kb},
                         {"rss_after_kb", after->rss_kb}};
    }
    if (!pool.error().empty()) out["error"] = pool.error();
    return ok && pool.lost_connections() == 0;
}

}  // namespace bench
