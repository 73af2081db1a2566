#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace bench {

std::optional<proc_sample> sample_process(int pid) {
    proc_sample s;
    const std::string dir = "/proc/" + std::to_string(pid);
    std::ifstream stat(dir + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string skip;
    // Fields 3..13 (state .. cmajflt), then 14 utime and 15 stime.
    for (int i = 3; i <= 13; ++i) fields >> skip;
    long long utime = 0;
    long long stime = 0;
    if (!(fields >> utime >> stime)) return std::nullopt;
    const long ticks = ::sysconf(_SC_CLK_TCK);
    s.cpu_ns = (utime + stime) * (1'000'000'000LL / ticks);

    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(dir + "/task", ec)) {
        std::ifstream sched(task.path() / "schedstat");
        long long on_cpu = 0;
        if (sched >> on_cpu) s.sched_ns += on_cpu;
    }

    std::ifstream status(dir + "/status");
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) s.rss_kb = std::stoll(line.substr(6));
        else if (line.starts_with("VmHWM:")) s.hwm_kb = std::stoll(line.substr(6));
    }
    return s;
}

std::int64_t own_cpu_ns() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto ns = [](const timeval& t) { return t.tv_sec * 1'000'000'000LL + t.tv_usec * 1000LL; };
    return ns(ru.ru_utime) + ns(ru.ru_stime);
}

}  // namespace bench
