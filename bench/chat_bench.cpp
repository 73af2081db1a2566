// chat-bench: a one-thread, epoll-driven load generator for chatd and IRC servers on loopback.
// Prints a summary on stderr and one JSON object on stdout; every phase is bounded by a timeout.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <cstdio>
#include <iostream>

#include "client_pool.hpp"
#include "options.hpp"
#include "proc_stats.hpp"
#include "workloads.hpp"

namespace {

// The bench may hold thousands of sockets: take the hard file descriptor limit.
void raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void print_summary(const bench::options& opt, const chat::json& r, bool ok) {
    auto num = [&](const chat::json& j, const char* k) { return j.contains(k) ? j[k].get<double>() : 0.0; };
    std::fprintf(stderr, "chat-bench %s %s%s against %s:%u%s%s\n", bench::to_string(opt.kind),
                 bench::to_string(opt.proto), opt.tls ? " over TLS" : "", opt.host.c_str(), opt.port,
                 opt.label.empty() ? "" : " label=", opt.label.c_str());
    if (r.contains("tls") && r["tls"].contains("version")) {
        const auto& t = r["tls"];
        std::fprintf(stderr, "  %s %s, key exchange %s, server key %s %d bits\n", t.value("version", "?").c_str(),
                     t.value("cipher", "?").c_str(), t.value("group", "?").c_str(), t.value("server_key", "?").c_str(),
                     t.value("server_key_bits", 0));
    }
    if (opt.kind == bench::workload::fanout) {
        std::fprintf(stderr, "  N=%d S=%d M=%d size=%d rate=%g window=%d\n", opt.clients, opt.senders, opt.messages,
                     opt.size, opt.rate, opt.window);
        std::fprintf(stderr, "  deliveries to others %.0f (+%.0f echoes) in %.3f s = %.0f/s; losses %.0f\n",
                     num(r, "deliveries_to_others"), num(r, "echoes"), num(r, "duration_s"),
                     num(r, "deliveries_per_s"), num(r, "losses"));
        const auto& l = r["latency_us"];
        std::fprintf(stderr, "  latency us: p50 %.0f  p99 %.0f  max %.0f; bench cpu %.3f s\n", num(l, "p50"),
                     num(l, "p99"), num(l, "max"), num(r, "bench_cpu_s"));
        if (r.contains("server")) {
            const auto& s = r["server"];
            std::fprintf(stderr, "  server cpu %.3f s = %.0f ns/delivery; rss peak %.0f kB (hwm %.0f kB)\n",
                         num(s, "cpu_s"), num(s, "cpu_ns_per_delivery"), num(s, "rss_peak_kb"), num(s, "hwm_kb"));
        }
    } else if (opt.kind == bench::workload::storm) {
        std::fprintf(stderr, "  P=%d paced at %g msg/s while C=%d joined in %.2f s; %.0f deliveries, losses %.0f\n",
                     opt.clients, opt.rate, opt.storm, num(r, "storm_s"), num(r, "deliveries_to_others"),
                     num(r, "losses"));
        const auto& l = r["latency_us"];
        std::fprintf(stderr, "  paced latency us: p50 %.0f  p99 %.0f  max %.0f\n", num(l, "p50"), num(l, "p99"),
                     num(l, "max"));
        if (r.contains("server")) std::fprintf(stderr, "  server cpu during the storm %.3f s\n", num(r["server"], "storm_cpu_s"));
    } else if (opt.kind == bench::workload::handshake) {
        std::fprintf(stderr, "  %.0f handshakes (at most %d at once) in %.3f s = %.0f/s; bench cpu %.3f s\n",
                     num(r, "handshakes"), opt.connect_concurrency, num(r, "duration_s"), num(r, "handshakes_per_s"),
                     num(r, "bench_cpu_s"));
        if (r.contains("server")) {
            const auto& s = r["server"];
            std::fprintf(stderr, "  server cpu %.3f s = %.1f us/handshake = %.0f handshakes per cpu-second\n",
                         num(s, "cpu_s"), num(s, "cpu_us_per_handshake"), num(s, "handshakes_per_cpu_s"));
        }
    } else {
        std::fprintf(stderr, "  C=%d set up in %.2f s\n", opt.clients, num(r, "setup_s"));
        if (r.contains("server")) {
            const auto& s = r["server"];
            std::fprintf(stderr, "  server rss %.0f -> %.0f kB = %.0f bytes/connection\n", num(s, "rss_before_kb"),
                         num(s, "rss_after_kb"), num(s, "rss_per_connection_bytes"));
        }
    }
    if (r.contains("error")) std::fprintf(stderr, "  error: %s\n", r["error"].get<std::string>().c_str());
    std::fprintf(stderr, "  %s\n", ok ? "OK" : "FAILED");
}

// The 1-minute load average: other work on the machine is the main source of noise in throughput.
double load_average() {
    std::ifstream f("/proc/loadavg");
    double load = 0;
    f >> load;
    return load;
}

}  // namespace

int main(int argc, char** argv) {
    int code = 0;
    const auto opt = bench::parse_options(argc, argv, code);
    if (!opt) return code;
    std::signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    const auto proto = opt->proto == bench::protocol::chatd ? bench::make_chatd_adapter() : bench::make_irc_adapter();
    const std::string room = opt->room.empty() ? "#cb" + std::to_string(::getpid()) : opt->room;
    bench::client_pool pool(*opt, *proto, room);

    chat::json result = {{"workload", bench::to_string(opt->kind)},
                         {"proto", bench::to_string(opt->proto)},
                         {"label", opt->label},
                         {"port", opt->port},
                         {"tls", opt->tls},
                         {"clients", opt->clients}};
    if (opt->kind == bench::workload::fanout) {
        result["senders"] = opt->senders;
        result["messages"] = opt->messages;
        result["size"] = opt->size;
        result["rate"] = opt->rate;
        result["window"] = opt->window;
    }

    bool ok = false;
    if (!pool.error().empty()) {
        result["error"] = pool.error();
    } else if (opt->kind == bench::workload::handshake) {
        ok = bench::run_handshake(*opt, pool, result);
    } else if (opt->kind == bench::workload::idle) {
        ok = bench::run_idle(*opt, pool, result);
    } else if (opt->kind == bench::workload::storm) {
        result["rate"] = opt->rate;
        result["size"] = opt->size;
        pool.set_first(opt->clients);  // the paced clients: read before the crowd's backlog
        if (pool.set_up(opt->clients)) {
            pool.settle();
            ok = bench::run_storm(*opt, pool, result);
        } else {
            result["error"] = pool.error();
        }
    } else {
        const std::int64_t t0 = bench::now_ns();
        if (pool.set_up(opt->clients)) {
            pool.settle();
            result["setup_s"] = static_cast<double>(bench::now_ns() - t0) / 1e9;
            ok = bench::run_fanout(*opt, pool, result);
        } else {
            result["error"] = pool.error();
        }
    }
    if (opt->tls) {
        chat::json t = pool.tls_info();
        t["on"] = true;
        result["tls"] = t;
    }
    result["ok"] = ok;
    result["loadavg"] = load_average();
    print_summary(*opt, result, ok);
    std::cout << result.dump() << std::endl;
    return ok ? 0 : 1;
}
