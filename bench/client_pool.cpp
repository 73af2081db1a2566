#include "client_pool.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace bench {

std::int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

client_pool::client_pool(const options& opt, const protocol_adapter& proto, std::string room)
    : opt_(opt), proto_(proto), room_(std::move(room)), events_(1024) {
    // Nicks unique per run (pid in base 36), short enough for every server's nick length limit.
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string tag;
    for (auto pid = static_cast<unsigned>(::getpid()); pid != 0; pid /= 36) tag.insert(tag.begin(), digits[pid % 36]);
    nick_prefix_ = "cb" + tag + "_";

    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr_);
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr_);
    if (::inet_pton(AF_INET, opt.host.c_str(), &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(opt.port);
        addr_len_ = sizeof(sockaddr_in);
    } else {
        ::inet_pton(AF_INET6, opt.host.c_str(), &a6->sin6_addr);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(opt.port);
        addr_len_ = sizeof(sockaddr_in6);
    }
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (opt.tls) {
        // Like a bot with plain TLS: TLS 1.3, no client certificate, and the server's certificate
        // accepted whatever it is (all three servers present a self-signed one; a benchmark pins nothing).
        tls_ = SSL_CTX_new(TLS_client_method());
        if (tls_ != nullptr) {
            SSL_CTX_set_min_proto_version(tls_, TLS1_3_VERSION);
            SSL_CTX_set_verify(tls_, SSL_VERIFY_NONE, nullptr);
            SSL_CTX_set_session_cache_mode(tls_, SSL_SESS_CACHE_OFF);
            SSL_CTX_set_mode(tls_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
            if (!opt.tls_ciphers.empty() && SSL_CTX_set_ciphersuites(tls_, opt.tls_ciphers.c_str()) != 1) {
                error_ = "--tls-ciphers: OpenSSL knows none of " + opt.tls_ciphers;
            }
        } else {
            error_ = "cannot make an OpenSSL client context";
        }
    }
}

client_pool::~client_pool() {
    clients_.clear();
    if (tls_ != nullptr) SSL_CTX_free(tls_);
    if (epfd_ >= 0) ::close(epfd_);
    if (first_fd_ >= 0) ::close(first_fd_);
}

void client_pool::set_first(int count) {
    first_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    first_count_ = count;
    first_events_.resize(static_cast<std::size_t>(count > 0 ? count : 1));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = first_marker;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, first_fd_, &ev);
}

void client_pool::set_interest(int index, bool want_write) {
    client& c = at(index);
    if (c.fd() < 0) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
    ev.data.u32 = static_cast<std::uint32_t>(index);
    ::epoll_ctl(epfd_for(index), EPOLL_CTL_MOD, c.fd(), &ev);
    c.set_write_armed(want_write);
}

void client_pool::send(int index) {
    client& c = at(index);
    if (c.state() == client::phase::closed) return;
    const client::io r = c.flush();
    if (r == client::io::closed) {
        lose(index, "write failed");
        return;
    }
    const bool want = r == client::io::would_block;
    if (want != c.write_armed()) set_interest(index, want);
}

void client_pool::lose(int index, std::string_view why) {
    client& c = at(index);
    const bool was_setting_up = c.state() != client::phase::ready;
    c.close();
    ++lost_;
    if (was_setting_up) --in_setup_;
    if (error_.empty()) error_ = "client " + std::to_string(index) + ": " + std::string(why);
}

void client_pool::step_handshake(int index) {
    client& c = at(index);
    std::string why;
    switch (c.handshake_step(why)) {
    case client::handshake::want_read:
        if (c.write_armed()) set_interest(index, false);
        return;
    case client::handshake::want_write:
        if (!c.write_armed()) set_interest(index, true);
        return;
    case client::handshake::failed:
        lose(index, why);
        return;
    case client::handshake::done:
        break;
    }
    if (tls_info_.empty()) note_tls(c.ssl());
    if (handshake_only_) {
        c.close();
        --in_setup_;
        ++ready_;
        return;
    }
    c.set_state(client::phase::registering);
    c.queue(proto_.hello(nick_prefix_ + std::to_string(index)));
    send(index);
}

void client_pool::note_tls(SSL* ssl) {
    tls_info_["version"] = SSL_get_version(ssl);
    tls_info_["cipher"] = SSL_get_cipher_name(ssl);
    const char* group = SSL_group_to_name(ssl, static_cast<int>(SSL_get_negotiated_group(ssl)));
    tls_info_["group"] = group != nullptr ? group : "?";
    if (X509* cert = SSL_get0_peer_certificate(ssl)) {
        const EVP_PKEY* key = X509_get0_pubkey(cert);
        const char* type = key != nullptr ? EVP_PKEY_get0_type_name(key) : nullptr;
        tls_info_["server_key"] = type != nullptr ? type : "?";
        tls_info_["server_key_bits"] = key != nullptr ? EVP_PKEY_get_bits(key) : 0;
    }
}

void client_pool::start_next() {
    const int index = started_++;
    ++in_setup_;
    start_connect(index);
}

void client_pool::retry_connect(int index, int err) {
    constexpr int max_attempts = 4;
    if (attempts_[static_cast<std::size_t>(index)] >= max_attempts) {
        lose(index, std::string("connect failed: ") + std::strerror(err));
        return;
    }
    ++retries_;
    start_connect(index);
}

void client_pool::start_connect(int index) {
    client& c = at(index);
    ++attempts_[static_cast<std::size_t>(index)];
    if (!c.start_connect(addr_, addr_len_)) {
        const int err = errno;
        if (err == EMFILE || err == ENFILE) lose(index, std::string("socket: ") + std::strerror(err));
        else retry_connect(index, err);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;  // writable = connected (or failed)
    ev.data.u32 = static_cast<std::uint32_t>(index);
    ::epoll_ctl(epfd_for(index), EPOLL_CTL_ADD, c.fd(), &ev);
    c.set_write_armed(true);
}

bool client_pool::on_line(int index, std::string_view line, std::string_view& text) {
    client& c = at(index);
    const auto ev = proto_.classify(line, room_, reply_, text);
    switch (ev) {
    case protocol_adapter::event::message:
        return true;
    case protocol_adapter::event::registered:
        if (c.state() == client::phase::registering) {
            c.set_state(client::phase::joining);
            reply_ += proto_.join(room_);
        }
        return false;
    case protocol_adapter::event::joined:
        if (c.state() == client::phase::joining) {
            c.set_state(client::phase::ready);
            --in_setup_;
            ++ready_;
        }
        return false;
    case protocol_adapter::event::failed:
        if (error_.empty()) error_ = "client " + std::to_string(index) + " refused: " + std::string(text.substr(0, 200));
        return false;
    case protocol_adapter::event::other:
        return false;
    }
    return false;
}

void client_pool::grow(int count) {
    clients_.resize(static_cast<std::size_t>(count));
    attempts_.resize(static_cast<std::size_t>(count), 0);
    target_ = count;
}

void client_pool::start_pending() {
    while (started_ < target_ && in_setup_ < opt_.connect_concurrency) start_next();
}

bool client_pool::set_up(int count) {
    grow(count);
    const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(opt_.setup_timeout * 1e9);
    no_handler none;
    while (ready_ < count) {
        if (!error_.empty()) return false;
        start_pending();
        const std::int64_t left = deadline - now_ns();
        if (left <= 0) {
            error_ = "set-up timed out: " + std::to_string(ready_) + " of " + std::to_string(count) +
                     " clients in the room after " + std::to_string(opt_.setup_timeout) + " s";
            return false;
        }
        poll_once(std::min<std::int64_t>(left, 100'000'000), none);
    }
    return true;
}

void client_pool::settle() {
    no_handler none;
    const std::int64_t quiet = static_cast<std::int64_t>(opt_.settle * 1e9);
    const std::int64_t deadline = now_ns() + 10'000'000'000LL;
    std::int64_t last = now_ns();
    while (now_ns() - last < quiet && now_ns() < deadline) {
        if (poll_once(quiet, none) > 0) last = now_ns();
    }
}

}  // namespace bench
