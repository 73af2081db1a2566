// Fuzzes the TLS handshake path as chatd's server side sees it: the input is the bytes a peer sends
// first, fed in pieces to a server-side SSL object with chatd's settings (tls/ssl_settings) over
// memory BIOs, as they would arrive from the socket. Invariants (checked with __builtin_trap):
// nothing crashes or leaks; every step ends in progress, a want-read or a clean error, never a
// renegotiation or a version below TLS 1.3; what the server writes back is bounded by what a
// handshake can send. The first byte chooses how the rest is cut into reads (1 to 256 bytes each).
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_checks.hpp"
#include "identity.hpp"
#include "ssl_settings.hpp"

using fuzz::check;

namespace {

SSL_CTX* server_ctx() {
    static SSL_CTX* ctx = [] {
        SSL_CTX* c = SSL_CTX_new(TLS_server_method());
        check(c != nullptr);
        auto id = chat::tls::make_identity("chatd");
        check(id.value.has_value());
        chat::tls::apply_common_settings(c);
        chat::tls::apply_server_settings(c, *id.value);
        return c;
    }();
    return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t piece = 1 + data[0];
    ++data;
    --size;
    SSL* ssl = SSL_new(server_ctx());
    check(ssl != nullptr);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_set_accept_state(ssl);
    std::size_t fed = 0;
    bool failed = false;
    std::size_t written = 0;
    while (!failed) {
        const int rc = SSL_is_init_finished(ssl) ? 0 : SSL_do_handshake(ssl);
        int err = SSL_ERROR_NONE;
        if (SSL_is_init_finished(ssl)) {
            // Past the handshake (never reached by a fixed input without the server's randomness,
            // but cheap to keep): records are read as chatd would.
            check(SSL_version(ssl) == TLS1_3_VERSION);
            char buf[4096];
            std::size_t n = 0;
            err = SSL_read_ex(ssl, buf, sizeof buf, &n) == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, 0);
        } else if (rc != 1) {
            err = SSL_get_error(ssl, rc);
        }
        // Drain what the server would send (alerts, a ServerHello and its flight).
        char sink[4096];
        int got = 0;
        while ((got = BIO_read(out, sink, sizeof sink)) > 0) written += static_cast<std::size_t>(got);
        if (err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN) {
            failed = true;
            break;
        }
        check(err == SSL_ERROR_NONE || err == SSL_ERROR_WANT_READ);
        if (fed >= size) break;
        const std::size_t n = size - fed < piece ? size - fed : piece;
        check(BIO_write(in, data + fed, static_cast<int>(n)) == static_cast<int>(n));
        fed += n;
    }
    // A server answers one flight per ClientHello (plus a HelloRetryRequest and alerts): a few KiB.
    check(written < 64 * 1024);
    ERR_clear_error();
    SSL_free(ssl);
    return 0;
}
