// The byte stream under one session: plain TCP (tcp_transport) or TLS (tls_transport). The session owns
// one and never touches a socket itself.
//
// The shape is the reactor's: wait until the transport is ready, then read or write without waiting.
// That lets the session read into one buffer shared by every connection (an idle connection holds
// no read buffer) and offer its whole send queue as one gathered write. A second transport plugs in
// by implementing this interface and being chosen where server::admit wraps an accepted socket.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <tuple>

#include <asio.hpp>

#include "io_types.hpp"

namespace chat {

class transport {
public:
    using wait_result = asio::awaitable<std::tuple<asio::error_code>>;

    virtual ~transport() = default;

    virtual io_executor get_executor() = 0;
    virtual asio::ip::tcp::endpoint remote_endpoint(asio::error_code& ec) const = 0;

    // Runs once before the first read (a TLS handshake); the session's hello deadline covers it.
    virtual asio::awaitable<asio::error_code> handshake() { co_return asio::error_code{}; }

    using ready_handler = std::function<void(const asio::error_code&)>;

    // Calls `done` (never from inside this call) when read_now may return bytes, the end of the
    // stream or an error; operation_aborted once closed. A callback rather than an awaitable: an
    // idle connection waits here, and a callback costs it one small handler where a coroutine
    // would keep its frames.
    virtual void async_wait_readable(ready_handler done) = 0;
    // Copies what has arrived into `buf` without waiting. would_block when nothing has, eof at the end.
    virtual std::size_t read_now(std::span<char> buf, asio::error_code& ec) = 0;

    // Offers `bufs`, in order, as one gathered write without waiting. Returns the bytes taken, which
    // may stop anywhere inside a buffer; would_block when the transport took none.
    virtual std::size_t write_now(std::span<const iovec> bufs, asio::error_code& ec) = 0;
    // The most one write_now takes (TLS: four records' worth); a call that took this many may be
    // followed at once by another.
    virtual std::size_t max_write() const { return static_cast<std::size_t>(-1); }
    // Completes when write_now may take bytes again.
    virtual wait_result wait_writable() = 0;

    // Everything queued has been written: end our direction (TLS: close_notify); the peer may still send.
    virtual void shutdown_send() = 0;
    // Closes now; pending waits complete with operation_aborted.
    virtual void close() = 0;

    // For features that depend on how the peer is connected (TLS identity).
    virtual bool is_secure() const { return false; }
    // The peer's certificate key as "SHA256:<base64>", or empty when it showed none.
    virtual std::string peer_fingerprint() const { return {}; }
    // Why handshake() failed, for the log ("" when the error code says it all).
    virtual std::string failure() const { return {}; }
};

}  // namespace chat
