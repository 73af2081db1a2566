// One benchmark client: a non-blocking TCP socket to the server (with --tls, an OpenSSL session on
// it), its read and write buffers, and how far it is through connect, handshake, register and join.
#pragma once

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

class client {
public:
    enum class phase { idle, connecting, handshaking, registering, joining, ready, closed };
    enum class handshake { done, want_read, want_write, failed };
    enum class io { ok, would_block, closed };

    client() = default;
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    client(client&& other) noexcept;
    client& operator=(client&&) = delete;
    ~client();

    // Starts a non-blocking connect; false (and closed) if the socket cannot be made.
    bool start_connect(const sockaddr_storage& addr, socklen_t len);
    // After EPOLLOUT on a connecting socket: 0 if the connection is established, else its errno
    // (and the socket is closed).
    int finish_connect();

    // TLS: makes the session (phase handshaking); false if OpenSSL cannot.
    // At most `record` bytes of plaintext go into one TLS record.
    bool start_tls(SSL_CTX* ctx, std::size_t record);
    // One non-blocking step of the client handshake; `why` is filled on failure.
    handshake handshake_step(std::string& why);
    SSL* ssl() const { return ssl_; }

    // One read() of up to the buffer's free space into the input buffer. With TLS, records are
    // decrypted until the socket has no more (none is left inside OpenSSL, where epoll cannot see it).
    io read_some();
    // Calls f(line) for each complete line (line endings stripped), then drops them.
    template <typename F>
    void each_line(F&& f);

    // Queues bytes; flush() writes as much as the socket takes.
    void queue(std::string_view bytes) { out_ += bytes; }
    std::string& out() { return out_; }
    io flush();
    std::size_t pending_out() const { return out_.size() - out_sent_; }

    void close();

    int fd() const { return fd_; }
    phase state() const { return phase_; }
    void set_state(phase p) { phase_ = p; }
    bool write_armed() const { return write_armed_; }
    void set_write_armed(bool on) { write_armed_ = on; }

private:
    int fd_ = -1;
    SSL* ssl_ = nullptr;
    std::size_t record_ = 0;     // TLS: plaintext bytes per record written
    phase phase_ = phase::idle;
    bool write_armed_ = false;   // EPOLLOUT is in the epoll interest set
    std::string in_;
    std::size_t in_used_ = 0;    // bytes of in_ holding data
    std::string out_;
    std::size_t out_sent_ = 0;   // bytes of out_ already written
};

template <typename F>
void client::each_line(F&& f) {
    std::size_t start = 0;
    const char* base = in_.data();
    while (start < in_used_) {
        const void* nl = std::memchr(base + start, '\n', in_used_ - start);
        if (nl == nullptr) break;
        const auto end = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
        std::size_t len = end - start;
        if (len > 0 && base[start + len - 1] == '\r') --len;
        if (len > 0) f(std::string_view(base + start, len));
        start = end + 1;
    }
    if (start > 0) {
        std::memmove(in_.data(), in_.data() + start, in_used_ - start);
        in_used_ -= start;
    }
}

}  // namespace bench
