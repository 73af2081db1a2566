// TLS under a session: OpenSSL driven directly on the non-blocking socket, in the transport's
// reactor shape (try now, wait for readiness only when OpenSSL asks). Not asio::ssl::stream: that
// keeps two 17 KiB buffers per stream for its whole life, where OpenSSL's own are released while the
// connection is idle (SSL_MODE_RELEASE_BUFFERS, docs/performance.md). OpenSSL reaches the socket
// through a BIO of ours, so that the records of one write_now leave in one system call, as the
// plaintext transport's gathered write does.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "transport.hpp"

namespace chat {

// What a TLS listener's sessions share: the context, and which client keys may connect.
struct tls_settings {
    SSL_CTX* ctx = nullptr;
    bool allow_list = false;  // --allow-keys given: only `allowed` may connect (none listed: nobody)
    std::vector<std::string> allowed;
};

class tls_transport final : public transport {
public:
    // `settings` must outlive the transport.
    tls_transport(io_socket socket, const tls_settings& settings);
    ~tls_transport() override;

    io_executor get_executor() override { return socket_.get_executor(); }
    asio::ip::tcp::endpoint remote_endpoint(asio::error_code& ec) const override;

    // Looks at the first bytes (plaintext JSON is answered with one line it can read, then closed),
    // runs the server handshake, checks --allow-keys.
    asio::awaitable<asio::error_code> handshake() override;
    void async_wait_readable(ready_handler done) override;
    std::size_t read_now(std::span<char> buf, asio::error_code& ec) override;
    // Up to 64 KiB of the gather as TLS records of up to 16 KiB each (a turn's frames for a client
    // are one record, not one per frame), all sent with one system call. would_block (none taken)
    // until every byte of them is in the kernel: the rest waits in `pending_` (several records) or
    // in OpenSSL (a gather of one record, written from OpenSSL's buffer without a batch copy), and
    // the retry, which offers the same bytes again because the send queue still holds them, sends
    // it first.
    std::size_t write_now(std::span<const iovec> bufs, asio::error_code& ec) override;
    std::size_t max_write() const override { return 64 * 1024; }
    wait_result wait_writable() override;
    // close_notify, offered once and never waited for (the session's linger timer bounds the close).
    void shutdown_send() override;
    void close() override;

    bool is_secure() const override { return true; }
    std::string peer_fingerprint() const override;
    std::string failure() const override { return failure_ ? *failure_ : std::string(); }

    // OpenSSL's reads and writes go through this (a BIO of our own on the socket): writes made while
    // write_now batches records are gathered in one buffer, all others go straight to the socket.
    long bio_read(char* data, std::size_t len, std::size_t& got);
    long bio_write(const char* data, std::size_t len, std::size_t& put);

private:
    // Maps an OpenSSL failure to an error code (eof for a peer that just left), noting why.
    asio::error_code error_of(int ret, const char* what);
    // Sends what `pending_` holds from `pending_sent_` on; true when none is left.
    bool send_pending(asio::error_code& ec);
    void set_failure(std::string why) { failure_ = std::make_unique<std::string>(std::move(why)); }

    io_socket socket_;
    const tls_settings& settings_;
    SSL* ssl_ = nullptr;
    bool want_read_on_write_ = false;  // the last write needs the peer's bytes first
    bool batching_ = false;            // inside write_now: OpenSSL's output goes to the batch
    // Ciphertext made but not yet taken by the kernel, how much of it was sent, and the plaintext
    // bytes of the send queue it carries. Only while a write is blocked: an idle connection keeps
    // a null pointer here, and one for failure_, instead of their strings.
    struct unsent {
        std::string bytes;
        std::size_t sent = 0;
        std::size_t plain = 0;
    };
    std::unique_ptr<unsent> pending_;
    std::unique_ptr<std::string> failure_;  // why the transport failed, once it has
};

// What the first bytes on a TLS port say: a TLS record (a handshake starts 0x16), plaintext that
// looks like a chatd JSON frame (an old client or bot), or neither.
enum class first_bytes { tls, json_frame, garbage };
first_bytes classify_first_bytes(const char* data, std::size_t len);

}  // namespace chat
