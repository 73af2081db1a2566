// The real chatd binary running as a child process for black-box tests: started on an ephemeral
// loopback port, its stdout log captured, its memory, fds and CPU readable from /proc, and always
// killed and reaped when the test ends, whichever way it ends.
#pragma once

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "test_client.hpp"

namespace chat::test {

// AddressSanitizer keeps freed memory in a quarantine (and the whole build shares its flags, so chatd
// has it too): RSS then says nothing about leaks or bounds. Memory bounds are checked in plain builds.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool rss_is_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool rss_is_meaningful = false;
#else
inline constexpr bool rss_is_meaningful = true;
#endif
#else
inline constexpr bool rss_is_meaningful = true;
#endif

// Resident set size in KiB, from /proc/<pid>/status (-1 if unreadable).
inline long proc_rss_kb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

// Open file descriptors of the process (-1 if unreadable).
inline int proc_fd_count(pid_t pid) {
    DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (dir == nullptr) return -1;
    int n = 0;
    while (const dirent* e = ::readdir(dir)) {
        if (e->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
    return n;
}

// User plus system CPU time in clock ticks (sysconf(_SC_CLK_TCK) per second), from /proc/<pid>/stat.
inline long proc_cpu_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = all.rfind(')');
    if (paren == std::string::npos) return -1;
    std::istringstream fields(all.substr(paren + 1));
    std::string field;
    long utime = -1;
    long stime = -1;
    // After the command name: field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
    for (int i = 0; fields >> field; ++i) {
        if (i == 11) utime = std::strtol(field.c_str(), nullptr, 10);
        if (i == 12) {
            stime = std::strtol(field.c_str(), nullptr, 10);
            break;
        }
    }
    return utime < 0 || stime < 0 ? -1 : utime + stime;
}

// The exit code for a wait status, or 128 + signal number for a process killed by a signal.
inline int exit_code(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return -1;
}

struct spawn_options {
    int stdout_fd = -1;           // becomes the child's stdout when set
    int stderr_fd = -1;           // becomes the child's stderr when set
    std::optional<rlim_t> nofile;  // RLIMIT_NOFILE (soft and hard) set in the child before exec
    std::optional<rlim_t> fsize;   // RLIMIT_FSIZE (soft and hard): a disk that fills up
};

// Any program run by fork/exec; the destructor SIGKILLs and reaps it if it is still around.
class child_process {
public:
    child_process() = default;
    child_process(const std::vector<std::string>& argv, const spawn_options& opts = {}) {
        REQUIRE_MESSAGE(start(argv, opts), "could not start " << (argv.empty() ? "" : argv[0]));
    }
    ~child_process() { kill_and_reap(); }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    bool start(const std::vector<std::string>& argv, const spawn_options& opts = {}) {
        kill_and_reap();
        if (argv.empty()) return false;
        // Everything the child touches is prepared before fork: only async-signal-safe calls after it.
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        rlimit nofile{};
        if (opts.nofile) nofile = {*opts.nofile, *opts.nofile};
        rlimit fsize{};
        if (opts.fsize) fsize = {*opts.fsize, RLIM_INFINITY};
        const pid_t pid = ::fork();
        if (pid < 0) return false;
        if (pid == 0) {
            if (opts.stdout_fd >= 0) ::dup2(opts.stdout_fd, STDOUT_FILENO);
            if (opts.stderr_fd >= 0) ::dup2(opts.stderr_fd, STDERR_FILENO);
            if (opts.nofile && ::setrlimit(RLIMIT_NOFILE, &nofile) != 0) ::_exit(126);
            if (opts.fsize && ::setrlimit(RLIMIT_FSIZE, &fsize) != 0) ::_exit(126);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        pid_ = pid;
        status_.reset();
        pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        return true;
    }

    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0 && !status_; }
    std::optional<int> status() const { return status_; }

    bool signal(int sig) { return running() && ::kill(pid_, sig) == 0; }

    // Waits for the process to exit; its raw wait status, or nullopt if it still runs at the deadline.
    std::optional<int> wait_exit(test_clock::time_point deadline) {
        if (pid_ <= 0 || status_) return status_;
        for (;;) {
            int st = 0;
            const pid_t r = ::waitpid(pid_, &st, WNOHANG);
            if (r == pid_) {
                status_ = st;
                close_pidfd();
                return status_;
            }
            if (r < 0 && errno != EINTR) return std::nullopt;
            if (test_clock::now() >= deadline) return std::nullopt;
            // A pidfd becomes readable when the process exits; without one, recheck every 5 ms.
            pollfd p{pidfd_, POLLIN, 0};
            if (pidfd_ >= 0) {
                ::poll(&p, 1, poll_timeout(deadline));
            } else {
                ::poll(nullptr, 0, std::min(5, poll_timeout(deadline)));
            }
        }
    }

    void kill_and_reap() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            int st = 0;
            while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
            }
            status_ = st;
        }
        close_pidfd();
    }

private:
    void close_pidfd() {
        if (pidfd_ >= 0) ::close(pidfd_);
        pidfd_ = -1;
    }

    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<int> status_;
};

// chatd on 127.0.0.1 and an ephemeral port, with its stdout read continuously by a thread (so a
// chatty server never blocks on a full pipe) and searchable with a deadline. Its main port speaks
// TLS (tls_port()); the tests' plaintext clients use the --plaintext-port listener (port()). Its
// state (the server key) lives in a temporary directory removed afterwards, unless the flags name
// a --state-dir of their own.
class chatd_process {
public:
    static std::string binary() { return CHAT_BINARY_DIR "/server/chatd"; }

    explicit chatd_process(const std::vector<std::string>& flags = {}, spawn_options opts = {}) {
        int fds[2];
        REQUIRE_MESSAGE(::pipe2(fds, O_CLOEXEC) == 0, "pipe2 failed: " << std::strerror(errno));
        std::vector<std::string> argv{binary(), "--bind", "127.0.0.1", "--port", "0", "--plaintext-port", "0"};
        if (std::find(flags.begin(), flags.end(), "--state-dir") == flags.end()) {
            std::string tmpl = (std::getenv("TMPDIR") != nullptr ? std::string(std::getenv("TMPDIR")) : "/tmp") +
                               "/chatd-state.XXXXXX";
            REQUIRE_MESSAGE(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp failed: " << std::strerror(errno));
            own_state_dir_ = tmpl;
            argv.push_back("--state-dir");
            argv.push_back(own_state_dir_);
        }
        argv.insert(argv.end(), flags.begin(), flags.end());
        // Nothing a test starts may touch the real home: without a --state-dir, no store at all.
        if (std::find(flags.begin(), flags.end(), "--state-dir") == flags.end()) argv.push_back("--no-store");
        opts.stdout_fd = fds[1];
        const bool started = child_.start(argv, opts);
        ::close(fds[1]);
        if (!started) {
            ::close(fds[0]);
            FAIL("could not fork " << binary());
        }
        read_fd_ = fds[0];
        reader_ = std::thread([this] { read_output(); });
        auto port_of = [this](const std::string& text) -> std::uint16_t {
            const auto line = find_log(text, deadline_in(10s));
            if (!line) return 0;
            const std::string out = output();
            const auto from = out.rfind('\n', *line);
            const auto start = from == std::string::npos ? 0 : from + 1;
            const std::string l = out.substr(start, out.find('\n', start) - start);
            const auto paren = l.find(" (");
            const auto colon = l.rfind(':', paren);
            return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::atoi(l.c_str() + colon + 1));
        };
        tls_port_ = port_of("listening on ");
        port_ = port_of(" (plaintext");
        if (port_ == 0 || tls_port_ == 0) {
            stop();
            FAIL("chatd never printed \"listening on ADDR:PORT\"; its output was: " << preview(output(), 2000));
        }
    }
    ~chatd_process() {
        stop();
        if (!own_state_dir_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(own_state_dir_, ignored);
        }
    }
    chatd_process(const chatd_process&) = delete;
    chatd_process& operator=(const chatd_process&) = delete;

    std::uint16_t port() const { return port_; }          // plaintext
    std::uint16_t tls_port() const { return tls_port_; }  // TLS, the default for real clients
    const std::string& state_dir() const { return own_state_dir_; }
    pid_t pid() const { return child_.pid(); }
    bool running() const { return child_.running(); }

    // A new client connected to this server, optionally from a chosen 127.0.0.x source address.
    test_client client(const std::string& local_addr = {}) { return test_client("127.0.0.1", port_, local_addr); }

    // Everything chatd wrote to stdout so far, and its size (a starting point for find_log).
    std::string output() const {
        std::lock_guard lock(mu_);
        return out_;
    }
    std::size_t output_size() const {
        std::lock_guard lock(mu_);
        return out_.size();
    }

    // Offset of the first occurrence of `text` in stdout at or after `from`, waiting until the deadline.
    std::optional<std::size_t> find_log(const std::string& text, test_clock::time_point deadline,
                                        std::size_t from = 0) const {
        std::unique_lock lock(mu_);
        std::optional<std::size_t> at;
        cv_.wait_until(lock, deadline, [&] {
            const auto pos = out_.find(text, std::min(from, out_.size()));
            if (pos != std::string::npos) at = pos;
            return at.has_value() || eof_;
        });
        return at;
    }

    // Fails the test if `text` does not appear in the log (at or after `from`) before the deadline.
    void wait_for_log(const std::string& text, test_clock::time_point deadline = deadline_in(5s),
                      std::size_t from = 0) const {
        if (!find_log(text, deadline, from)) {
            FAIL("chatd never logged \"" << text << "\"; the end of its output was: "
                                         << tail(output(), 1500));
        }
    }

    // Waits until chatd's stdout reached end of file (it exited and everything it wrote was read).
    bool wait_output_closed(test_clock::time_point deadline) const {
        std::unique_lock lock(mu_);
        return cv_.wait_until(lock, deadline, [&] { return eof_; });
    }

    long rss_kb() const { return proc_rss_kb(pid()); }
    int fd_count() const { return proc_fd_count(pid()); }
    long cpu_ticks() const { return proc_cpu_ticks(pid()); }

    bool terminate(int sig = SIGTERM) { return child_.signal(sig); }
    std::optional<int> wait_exit(test_clock::time_point deadline) { return child_.wait_exit(deadline); }

private:
    static std::string tail(const std::string& s, std::size_t n) {
        return s.size() <= n ? s : "..." + s.substr(s.size() - n);
    }

    void read_output() {
        char buf[8192];
        for (;;) {
            const ssize_t n = ::read(read_fd_, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lock(mu_);
            if (n <= 0) {
                eof_ = true;
                cv_.notify_all();
                return;
            }
            out_.append(buf, static_cast<std::size_t>(n));
            cv_.notify_all();
        }
    }

    void stop() {
        child_.kill_and_reap();
        // The child held the only write end, so the reader sees EOF once it is gone.
        if (reader_.joinable()) reader_.join();
        if (read_fd_ >= 0) ::close(read_fd_);
        read_fd_ = -1;
    }

    child_process child_;
    int read_fd_ = -1;
    std::thread reader_;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::string out_;
    bool eof_ = false;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    std::string own_state_dir_;
};

}  // namespace chat::test
