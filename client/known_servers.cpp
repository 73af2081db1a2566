#include "known_servers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fingerprint.hpp"

namespace chat::client {

namespace {

constexpr std::size_t max_file = 1024 * 1024;

// A host is printable ASCII without spaces; the port 1-65535 after the last ':'.
bool where_shape(std::string_view s) {
    if (s.empty() || s.size() > 300) return false;
    for (const char c : s) {
        if (c <= ' ' || c > '~') return false;
    }
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size() || s.size() - colon - 1 > 5) return false;
    unsigned port = 0;
    for (const char c : s.substr(colon + 1)) {
        if (c < '0' || c > '9') return false;
        port = port * 10 + static_cast<unsigned>(c - '0');
    }
    return port >= 1 && port <= 65535;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string make_dirs(const std::string& dir) {
    if (dir.empty() || dir == "/" || dir == ".") return {};
    struct stat st{};
    if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? std::string() : dir + " is not a directory";
    const auto slash = dir.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        if (auto e = make_dirs(dir.substr(0, slash)); !e.empty()) return e;
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return "cannot create " + dir + ": " + std::strerror(errno);
    return {};
}

}  // namespace

std::string server_key(std::string_view host, std::uint16_t port) {
    std::string h(host);
    for (char& c : h) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (h.find(':') != std::string::npos) h = "[" + h + "]";
    return h + ":" + std::to_string(port);
}

known_servers parse_known_servers(std::string_view text) {
    known_servers out;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto sp = line.find_first_of(" \t");
        if (sp == std::string_view::npos) {
            out.bad_lines.push_back(number);
            continue;
        }
        const std::string_view where = line.substr(0, sp);
        const std::string_view fp = trim(line.substr(sp));
        if (!where_shape(where) || !chat::is_fingerprint(fp)) {
            out.bad_lines.push_back(number);
            continue;
        }
        known_server k;
        k.where = where;
        for (char& c : k.where) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        k.fingerprint = fp;
        k.line = number;
        out.entries.push_back(std::move(k));
    }
    return out;
}

pin_check check_pin(const known_servers& known, std::string_view where, std::string_view presented) {
    pin_check r;
    for (const auto& k : known.entries) {
        if (k.where != where) continue;
        if (k.fingerprint == presented) {
            r.what = pin_check::verdict::trusted;
            r.pinned = &k;
            return r;
        }
        if (r.pinned == nullptr) r.pinned = &k;
    }
    r.what = r.pinned != nullptr ? pin_check::verdict::changed : pin_check::verdict::unknown;
    return r;
}

std::string changed_key_message(const known_server& pinned, std::string_view presented, const std::string& path) {
    return "THE SERVER'S KEY HAS CHANGED: " + pinned.where + " was pinned as " + pinned.fingerprint +
           " but now presents " + std::string(presented) +
           ". Someone may be in the middle, or the server's state directory was replaced. Refused. If you "
           "know the change is expected, remove line " +
           std::to_string(pinned.line) + " of " + path + " and connect again.";
}

bool read_known_servers(const std::string& path, known_servers& out, std::string& error) {
    out = {};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return true;
        error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    std::string text;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = "cannot read " + path + ": " + std::strerror(errno);
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_file) {
            ::close(fd);
            error = path + " is larger than 1 MiB; it is not a list of servers";
            return false;
        }
    }
    ::close(fd);
    out = parse_known_servers(text);
    return true;
}

std::string add_known_server(const std::string& path, std::string_view where, std::string_view fingerprint) {
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        if (auto e = make_dirs(path.substr(0, slash)); !e.empty()) return e;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot write " + path + ": " + std::strerror(errno);
    // A file whose last line lacks its newline must not swallow the new entry.
    std::string line;
    struct stat st{};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
        char last = '\n';
        const int rfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (rfd >= 0) {
            if (::pread(rfd, &last, 1, st.st_size - 1) != 1) last = '\n';
            ::close(rfd);
        }
        if (last != '\n') line += '\n';
    }
    line += std::string(where) + " " + std::string(fingerprint) + "\n";
    const ssize_t n = ::write(fd, line.data(), line.size());
    const int saved = errno;
    const bool ok = n == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return "cannot write " + path + ": " + std::strerror(n < 0 ? saved : EIO);
    return {};
}

std::string data_dir() {
    if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && x[0] == '/') return std::string(x) + "/chat";
    if (const char* h = std::getenv("HOME"); h != nullptr && h[0] != '\0') return std::string(h) + "/.local/share/chat";
    return {};
}

}  // namespace chat::client
