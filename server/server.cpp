#include "server.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/resource.h>

#include <fstream>
#include <stdexcept>

#include "context.hpp"
#include "fingerprint.hpp"
#include "identity.hpp"
#include "refusal.hpp"
#include "store_sqlite.hpp"
#include "transport_tcp.hpp"
#include "transport_tls.hpp"
#include "wire.hpp"

namespace chat {

namespace {

using asio::use_awaitable;
using asio::experimental::as_tuple;

// File descriptors kept free for listeners, the event loop, logs and refused connections.
constexpr rlim_t reserved_fds = 32;
// Refused connections kept open at once to deliver their error frame; more are closed bluntly.
constexpr std::size_t max_lingering_refusals = 64;

// Raises the open-file limit towards what max_clients needs, then clamps max_clients to it, so the
// server refuses clients politely before accept() ever fails for lack of descriptors.
std::size_t clamp_clients(std::size_t wanted, std::string& note) {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted;
    const rlim_t need = static_cast<rlim_t>(wanted) + reserved_fds;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlimit raised = rl;
        raised.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) return wanted;
    // Tiny limits (tests run with 32) keep half for clients rather than none.
    const rlim_t usable = rl.rlim_cur > 2 * reserved_fds ? rl.rlim_cur - reserved_fds : rl.rlim_cur / 2;
    const std::size_t clamped = usable > 0 ? static_cast<std::size_t>(usable) : 1;
    note = ("limit: max clients lowered from " + std::to_string(wanted) + " to " + std::to_string(clamped) +
             " (open-file limit " + std::to_string(rl.rlim_cur) + ")");
    return clamped;
}

// The peer's address as one key per host: IPv4 clients of a dual-stack socket count as IPv4.
asio::ip::address host_of(const asio::ip::tcp::endpoint& ep) {
    const auto a = ep.address();
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

// The store the options ask for: the disk one (which logs its own faults), or memory only.
std::unique_ptr<store> make_store(const options& o, const logger& log) {
    if (!o.store) return make_memory_store(o.lim.history);
    sqlite_settings s;
    s.dir = o.state_dir.empty() ? default_state_dir() : o.state_dir;
    s.full_sync = o.full_sync;
    s.retain_days = o.retain_days;
    s.retain_messages = o.retain_messages;
    s.max_bytes = o.store_max_bytes;
    s.per_room = o.lim.history;
    store_refused refused;
    auto st = open_sqlite_store(s, [&log](const std::string& line) { log.info(line); }, refused);
    if (!st) throw std::runtime_error(refused.message);
    return st;
}

}  // namespace

server::server(asio::io_context& io, options opts)
    : io_(io),
      opts_(std::move(opts)),
      log_(opts_.quiet, opts_.log),
      chat_((opts_.lim.max_clients = clamp_clients(opts_.lim.max_clients, startup_note_), opts_.lim), {},
            make_store(opts_, log_)),
      turn_(std::make_shared<turn_end>(io.get_executor(), opts_.lim.notice_delay, opts_.lim.writes_per_turn)),
      admit_(std::make_shared<admission>(io.get_executor(), opts_.lim.joins_per_turn)),
      sessions_ctx_{chat_, log_, *turn_, *admit_, stats_.sendq_overflows},
      grace_timer_(io),
      store_timer_(io),
      heap_trim_(io.get_executor(), std::chrono::milliseconds(250), 256 * 1024) {
    // Group commit: the turn's messages are in the store before any of them reaches a socket.
    turn_->on_end([this] { chat_.end_turn(); });
    // A crowd connecting at once is taken on joins_per_turn hellos and joins at a time.
    chat_.set_admission([a = admit_.get()] { return a->may_start(); });
    turn_->on_drained([a = admit_.get()] { a->turn_over(); });
    // A backlog written over several drains (a crowd's notices, --writes-per-turn) gives its send
    // queues' storage back as it empties, after the burst's trim may have run: another trim follows.
    turn_->on_drained([this, cuts = std::size_t{0}]() mutable {
        if (turn_->cut_drains() == cuts) return;
        cuts = turn_->cut_drains();
        heap_trim_.note();
    });
    // Notices wait in their rooms' journals until the member's next write or the round.
    chat_.journal_notices([this] { turn_->want_flush_later(rounds_); });
}

server::~server() {
    for (auto& l : listeners_) l->stop();
    // Sessions may outlive us in coroutine frames; they must not call back into a dead server.
    std::vector<std::shared_ptr<session>> left;
    for (const auto& [raw, s] : sessions_) left.push_back(s);
    done_ = nullptr;
    for (const auto& s : left) s->close_now();
    turn_->shut_down();
    admit_->shut_down();
}

void server::load_tls() {
    const std::string dir = opts_.state_dir.empty() ? default_state_dir() : opts_.state_dir;
    auto id = tls::load_identity(dir + "/server.pem", "chatd");
    if (!id.value) throw std::runtime_error(id.error);
    if (id.created) log_.info("made a new server key in " + dir + "/server.pem: " + id.value->fingerprint);
    fingerprint_ = id.value->fingerprint;
    tls_ctx_.emplace(tls::server_context(*id.value));
    tls_.ctx = tls_ctx_->native_handle();
    if (!opts_.allow_keys_file.empty()) {
        // Fail closed: a file that cannot be read, or lists nobody, admits nobody.
        tls_.allow_list = true;
        std::ifstream in(opts_.allow_keys_file);
        if (!in) throw std::runtime_error("cannot read --allow-keys file " + opts_.allow_keys_file);
        std::string line;
        std::size_t number = 0;
        while (std::getline(in, line) && number < 100000) {
            ++number;
            const auto start = line.find_first_not_of(" \t");
            if (start == std::string::npos || line[start] == '#') continue;
            const auto end = line.find_first_of(" \t\r", start);
            const std::string key = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
            if (!chat::is_fingerprint(key)) {
                log_.info("--allow-keys " + opts_.allow_keys_file + " line " + std::to_string(number) +
                          " is not a SHA256:... key; ignored");
                continue;
            }
            tls_.allowed.push_back(key);
        }
        if (tls_.allowed.empty()) {
            log_.info("--allow-keys " + opts_.allow_keys_file + " lists no key: nobody can connect");
        }
    }
}

void server::listen_on(const std::vector<asio::ip::tcp::endpoint>& where, bool tls) {
    auto accept = [this, tls](io_socket s) { admit(std::move(s), tls); };
    for (const auto& ep : where) {
        try {
            listeners_.push_back(std::make_shared<listener>(io_, ep, log_, accept));
            listener_tls_.push_back(tls);
        } catch (const std::system_error& e) {
            if (opts_.binds.empty() && ep.address().is_v6()) {
                // No IPv6 on this machine: the IPv4 wildcard alone still serves the LAN.
                listeners_.push_back(std::make_shared<listener>(
                    io_, asio::ip::tcp::endpoint(asio::ip::address_v4::any(), ep.port()), log_, accept));
                listener_tls_.push_back(tls);
                continue;
            }
            throw std::system_error(e.code(), "cannot listen on " + to_string(ep));
        }
    }
}

void server::load_password() {
    // Fail closed: a file that cannot be read, or holds no password, stops chatd at start.
    const std::string& path = opts_.password_file;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read --password-file " + path + ": " + std::strerror(errno));
    std::string secret;
    std::getline(in, secret);
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.empty()) {
        throw std::runtime_error("--password-file " + path +
                                 " holds no password on its first line; chatd will not start letting everybody in");
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        log_.info("--password-file " + path + " can be read by other users; chmod 600 it");
    }
    // Compared as SHA-256 digests with CRYPTO_memcmp: the time taken says nothing of how much of
    // a guess was right, nor of the password's length.
    const auto digest = [](std::string_view s) {
        std::array<unsigned char, 32> d{};
        unsigned int n = 0;
        EVP_Digest(s.data(), s.size(), d.data(), &n, EVP_sha256(), nullptr);
        return d;
    };
    chat_.require_password([want = digest(secret), digest](std::string_view given) {
        const auto got = digest(given);
        return CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
    });
}

void server::start() {
    if (!opts_.password_file.empty()) load_password();
    if (opts_.tls) load_tls();
    auto endpoints_for = [this](std::uint16_t port) {
        std::vector<asio::ip::tcp::endpoint> where;
        if (opts_.binds.empty()) {
            where.emplace_back(asio::ip::address_v6::any(), port);
        } else {
            for (const std::string& b : opts_.binds) {
                asio::error_code ec;
                const auto addr = asio::ip::make_address(b, ec);
                if (ec) throw std::system_error(ec, "cannot use address \"" + logger::field(b) + "\"");
                where.emplace_back(addr, port);
            }
        }
        return where;
    };
    listen_on(endpoints_for(opts_.port), opts_.tls);
    if (opts_.plaintext_port) listen_on(endpoints_for(*opts_.plaintext_port), false);
    for (auto& l : listeners_) l->start();
    arm_store_timer(std::chrono::milliseconds(1000));
}

void server::arm_store_timer(std::chrono::milliseconds after) {
    store_timer_.expires_after(after);
    store_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec || finished_) return;
        const bool more = chat_.store_tick(now_ms());
        // Pruning goes on in small steps while there is more, with other work in between.
        arm_store_timer(std::chrono::milliseconds(more ? 10 : 1000));
    });
}

std::vector<server::bound> server::listening() const {
    std::vector<bound> out;
    for (std::size_t i = 0; i < listeners_.size(); ++i) out.push_back({listeners_[i]->local_endpoint(), listener_tls_[i]});
    return out;
}

void server::log_startup_notes() const {
    if (!startup_note_.empty()) log_.info(startup_note_);
}

std::vector<asio::ip::tcp::endpoint> server::endpoints() const {
    std::vector<asio::ip::tcp::endpoint> out;
    for (const auto& l : listeners_) out.push_back(l->local_endpoint());
    return out;
}

std::uint16_t server::port() const { return listeners_.empty() ? 0 : listeners_.front()->local_endpoint().port(); }

void server::admit(io_socket socket, bool tls) {
    asio::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec || stopping_) {
        socket.close(ec);
        return;
    }
    const std::string ip = host_of(remote).to_string();
    const std::string address = to_string(asio::ip::tcp::endpoint(host_of(remote), remote.port()));
    if (sessions_.size() >= opts_.lim.max_clients) {
        ++stats_.refused_full;
        if (stats_.refused_full == 1 || stats_.refused_full % 1000 == 0) {
            log_.info("limit: server full (" + std::to_string(opts_.lim.max_clients) + " clients), refused " +
                      address + " (" + std::to_string(stats_.refused_full) + " refused so far)");
        }
        return turn_away(std::move(socket), "server_full", "the server is full; try again later");
    }
    std::size_t& from_ip = per_ip_[ip];
    if (from_ip >= opts_.lim.max_per_ip) {
        ++stats_.refused_per_ip;
        if (stats_.refused_per_ip == 1 || stats_.refused_per_ip % 1000 == 0) {
            log_.info("limit: too many connections from " + ip + ", refused " + address + " (" +
                      std::to_string(stats_.refused_per_ip) + " refused so far)");
        }
        return turn_away(std::move(socket), "too_many_connections",
                         "your address has " + std::to_string(opts_.lim.max_per_ip) + " connections already");
    }
    ++from_ip;
    ++stats_.accepted;
    std::unique_ptr<transport> io;
    if (tls) {
        io = std::make_unique<tls_transport>(std::move(socket), tls_);
    } else {
        io = std::make_unique<tcp_transport>(std::move(socket));
    }
    // The handler holds the count's map entry (it lives while this session counts in it), not a
    // copy of the address: small enough for std::function to keep without an allocation.
    auto s = std::make_shared<session>(
        std::move(io), sessions_ctx_, address,
        [this, entry = per_ip_.find(ip)](session& closed) { on_closed(closed, entry); });
    sessions_.emplace(s.get(), s);
    heap_trim_.note();
    log_.conn("connect " + address + " (" + std::to_string(sessions_.size()) + " clients)");
    s->start();
}

void server::turn_away(io_socket socket, const char* code, const std::string& message) {
    if (*refusals_lingering_ >= max_lingering_refusals) {
        asio::error_code ec;
        socket.close(ec);
        return;
    }
    ++*refusals_lingering_;
    auto r = std::make_shared<refusal>(std::move(socket),
                                       std::make_shared<const std::string>(wire::error(code, message)),
                                       [count = refusals_lingering_] { --*count; });
    r->start(std::chrono::milliseconds(1000));
}

void server::on_closed(session& s, std::map<std::string, std::size_t>::iterator from_ip) {
    if (--from_ip->second == 0) per_ip_.erase(from_ip);
    sessions_.erase(&s);
    heap_trim_.note();
    if (stopping_ && sessions_.empty()) finish();
}

void server::stop(std::function<void()> done) {
    if (stopping_) return;
    stopping_ = true;
    done_ = std::move(done);
    for (auto& l : listeners_) l->stop();
    chat_.begin_shutdown();
    log_.info("shutting down: " + std::to_string(sessions_.size()) + " clients");
    const auto line = std::make_shared<const std::string>(
        wire::encode(wire::out_json{{"type", "shutdown"}, {"message", "the server is shutting down"}}));
    std::vector<std::shared_ptr<session>> all;
    all.reserve(sessions_.size());
    for (const auto& [raw, s] : sessions_) all.push_back(s);
    for (const auto& s : all) s->shutdown(line);
    if (sessions_.empty()) {
        asio::post(io_, [this] { finish(); });
    } else {
        asio::co_spawn(io_, grace(), asio::detached);
    }
}

asio::awaitable<void> server::grace() {
    grace_timer_.expires_after(opts_.lim.shutdown_grace);
    co_await grace_timer_.async_wait(as_tuple(use_awaitable));
    if (finished_) co_return;
    std::vector<std::shared_ptr<session>> left;
    for (const auto& [raw, s] : sessions_) left.push_back(s);
    for (const auto& s : left) s->close_now();
    finish();
}

void server::finish() {
    if (finished_) return;
    finished_ = true;
    grace_timer_.cancel();
    store_timer_.cancel();
    heap_trim_.stop();
    chat_.end_turn();
    log_.info("stopped");
    // Always later, never inside stop(): the caller may not be ready for it yet.
    if (done_) asio::post(io_, std::move(done_));
    done_ = nullptr;
}

}  // namespace chat
