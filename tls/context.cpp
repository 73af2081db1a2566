#include "context.hpp"

#include <openssl/ssl.h>

#include "ssl_settings.hpp"

namespace chat::tls {

asio::ssl::context server_context(const identity& id) {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    apply_common_settings(ctx.native_handle());
    apply_server_settings(ctx.native_handle(), id);
    return ctx;
}

asio::ssl::context client_context(const identity* id) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    apply_common_settings(ctx.native_handle());
    if (id != nullptr) use_identity(ctx.native_handle(), *id);
    apply_client_verify(ctx.native_handle());
    return ctx;
}

std::string peer_fingerprint(SSL* ssl) {
    X509* cert = SSL_get0_peer_certificate(ssl);
    return cert == nullptr ? std::string() : fingerprint(cert);
}

}  // namespace chat::tls
