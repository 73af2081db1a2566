// The OpenSSL settings chatd's and chat's TLS contexts share, on a bare SSL_CTX so code without
// Asio (the handshake fuzzer) builds exactly the server context chatd uses.
#pragma once

#include <openssl/ssl.h>

#include "identity.hpp"

namespace chat::tls {

// TLS 1.3 only, no renegotiation, no tickets or session cache, buffers released while idle.
void apply_common_settings(SSL_CTX* c);
// The server's key and certificate, and a client certificate asked for and any self-signed one
// accepted (the key is the identity, pinned by fingerprint, not checked against a CA).
void apply_server_settings(SSL_CTX* c, const identity& id);
// A client's own key and certificate; any server certificate accepted by OpenSSL (it is pinned).
void use_identity(SSL_CTX* c, const identity& id);
void apply_client_verify(SSL_CTX* c);

}  // namespace chat::tls
