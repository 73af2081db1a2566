// Idle: C clients connect, register and join one room, then sit still. The figure is the server's
// resident memory per connection: (RSS after - RSS before) / C.
#include "proc_stats.hpp"
#include "workloads.hpp"

namespace bench {

bool run_idle(const options& opt, client_pool& pool, chat::json& out) {
    const auto before = opt.server_pid ? sample_process(opt.server_pid) : std::nullopt;
    const std::int64_t start = now_ns();
    const std::int64_t bench_cpu0 = own_cpu_ns();
    const bool ok = pool.set_up(opt.clients);
    const double setup_s = static_cast<double>(now_ns() - start) / 1e9;
    if (ok) pool.settle();
    const auto after = opt.server_pid ? sample_process(opt.server_pid) : std::nullopt;

    out["connections"] = opt.clients;
    out["bench_cpu_s"] = static_cast<double>(own_cpu_ns() - bench_cpu0) / 1e9;
    out["setup_s"] = setup_s;
    out["lost_connections"] = pool.lost_connections();
    out["connect_retries"] = pool.connect_retries();
    if (before && after) {
        const double per_conn = static_cast<double>(after->rss_kb - before->rss_kb) * 1024.0 / opt.clients;
        out["server"] = {{"rss_before_kb", before->rss_kb},
                         {"rss_after_kb", after->rss_kb},
                         {"hwm_kb", after->hwm_kb},
                         {"rss_per_connection_bytes", per_conn},
                         {"setup_cpu_s", static_cast<double>(after->sched_ns - before->sched_ns) / 1e9}};
    }
    if (!pool.error().empty()) out["error"] = pool.error();
    return ok && pool.lost_connections() == 0;
}

}  // namespace bench
