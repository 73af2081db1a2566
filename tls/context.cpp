#include "context.hpp"

#include <openssl/ssl.h>

namespace chat::tls {

namespace {

void common_settings(asio::ssl::context& ctx) {
    SSL_CTX* c = ctx.native_handle();
    SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
    // Renegotiation does not exist in TLS 1.3; the option also refuses it should a future default
    // allow older versions. Tickets would cost a handshake-time encryption and memory per client for
    // resumption nobody here uses (a reconnect is rare and a full handshake cheap).
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_num_tickets(c, 0);
    // ~34 KiB of read and write buffers per connection otherwise stay allocated while it is idle.
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
}

int accept_any(int, X509_STORE_CTX*) { return 1; }

void use(asio::ssl::context& ctx, const identity& id) {
    SSL_CTX* c = ctx.native_handle();
    if (SSL_CTX_use_certificate(c, id.cert.get()) != 1 || SSL_CTX_use_PrivateKey(c, id.key.get()) != 1) {
        throw std::runtime_error("cannot use the key and certificate");
    }
}

}  // namespace

asio::ssl::context server_context(const identity& id) {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    common_settings(ctx);
    use(ctx, id);
    SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, accept_any);
    return ctx;
}

asio::ssl::context client_context(const identity* id) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    common_settings(ctx);
    if (id != nullptr) use(ctx, *id);
    SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER, accept_any);
    return ctx;
}

std::string peer_fingerprint(SSL* ssl) {
    X509* cert = SSL_get0_peer_certificate(ssl);
    return cert == nullptr ? std::string() : fingerprint(cert);
}

}  // namespace chat::tls
