// What /proc says about the server process: CPU time used so far and resident memory.
#pragma once

#include <cstdint>
#include <optional>

namespace bench {

struct proc_sample {
    std::int64_t cpu_ns = 0;      // utime + stime of all threads, from /proc/PID/stat (tick resolution)
    std::int64_t sched_ns = 0;    // time on CPU of the live threads, /proc/PID/task/*/schedstat (ns)
    std::int64_t rss_kb = 0;      // VmRSS
    std::int64_t hwm_kb = 0;      // VmHWM: peak resident set over the process's life
};

// nullopt if the process is gone or /proc cannot be read.
std::optional<proc_sample> sample_process(int pid);

// This process's own CPU time (user + system), in ns.
std::int64_t own_cpu_ns();

}  // namespace bench
