#include "chat_log.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "config.hpp"
#include "protocol.hpp"
#include "update.hpp"

namespace chat::client {

namespace {

constexpr std::size_t max_open = 16;

bool make_dirs(const std::string& path) {
    for (std::size_t at = 1; at != std::string::npos; at = path.find('/', at + 1)) {
        const std::string part = path.substr(0, at);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return false;
    }
    return ::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST;
}

std::string date_time(std::int64_t utc_ms) {
    const std::time_t secs = static_cast<std::time_t>(utc_ms / 1000);
    std::tm local{};
    localtime_r(&secs, &local);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
    return buf;
}

}  // namespace

std::string file_component(std::string_view name) {
    std::string out;
    for (const char c : name.substr(0, 80)) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#' ||
                          c == '.' || c == '_' || c == ':' || c == '-';
        out += keep ? c : '_';
    }
    if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
    return out;
}

std::string log_text(const printed_line& p) {
    const chat_line& l = p.line;
    std::string body;
    switch (l.what) {
    case chat_line::kind::message: body = "<" + l.from + "> " + l.text; break;
    case chat_line::kind::action: body = "* " + l.from + " " + l.text; break;
    case chat_line::kind::pm: body = l.action ? "* " + l.from + " " + l.text : "<" + l.from + "> " + l.text; break;
    case chat_line::kind::notice: body = "-- " + l.text; break;
    default: body = l.text; break;
    }
    return date_time(l.ts) + " " + body;
}

chat_log::chat_log(std::string dir, std::string_view server, std::uint64_t max_bytes)
    : dir_(std::move(dir) + "/" + file_component(server)), max_bytes_(max_bytes) {}

chat_log::~chat_log() {
    for (auto& f : files_) std::fclose(f.f);
}

std::string chat_log::path_of(std::string_view window) const {
    return dir_ + "/" + file_component(chat::fold(window)) + ".log";
}

chat_log::file* chat_log::open_file(const std::string& path, std::string& error) {
    for (std::size_t i = 0; i < files_.size(); ++i) {
        if (files_[i].path != path) continue;
        std::rotate(files_.begin() + static_cast<std::ptrdiff_t>(i), files_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    files_.end());
        return &files_.back();
    }
    if (files_.size() >= max_open) {
        std::fclose(files_.front().f);
        files_.erase(files_.begin());
    }
    if (!make_dirs(dir_)) {
        error = "cannot create " + dir_ + ": " + std::strerror(errno);
        return nullptr;
    }
    // Logs hold private messages: readable by their owner only.
    const mode_t old = ::umask(077);
    std::FILE* f = std::fopen(path.c_str(), "a");
    ::umask(old);
    if (f == nullptr) {
        error = "cannot open " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    struct stat st{};
    const std::uint64_t size = ::fstat(fileno(f), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    files_.push_back(file{path, f, size});
    return &files_.back();
}

bool chat_log::write(const printed_line& p, std::string& error) {
    const std::string path = path_of(p.window);
    file* f = open_file(path, error);
    if (f == nullptr) return false;
    const std::string line = log_text(p) + "\n";
    if (f->size > 0 && f->size + line.size() > max_bytes_) {
        // Bounded: the full log becomes <window>.log.1 (replacing the one before) and a new one starts.
        std::fclose(f->f);
        files_.pop_back();
        if (std::rename(path.c_str(), (path + ".1").c_str()) != 0) {
            error = "cannot rotate " + path + ": " + std::strerror(errno);
            return false;
        }
        f = open_file(path, error);
        if (f == nullptr) return false;
    }
    if (std::fwrite(line.data(), 1, line.size(), f->f) != line.size()) {
        error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    f->size += line.size();
    return true;
}

void chat_log::flush() {
    for (auto& f : files_) std::fflush(f.f);
}

void write_logs(model& m) {
    static std::unique_ptr<chat_log> logs;
    if (!m.cfg.log) {
        m.to_log.clear();
        return;
    }
    if (m.to_log.empty()) return;
    if (!logs) logs = std::make_unique<chat_log>(default_log_dir(), m.address, m.cfg.log_max_bytes);
    std::string error;
    for (const auto& p : m.to_log) {
        if (!logs->write(p, error)) {
            m.cfg.log = false;
            add_info(m, "logging is off: " + error + " (/set log.enabled true tries again)", chat_line::kind::error);
            break;
        }
    }
    logs->flush();
    m.to_log.clear();
}

}  // namespace chat::client
