// TLS settings shared by chatd and chat: TLS 1.3 only, no renegotiation, no session tickets,
// OpenSSL's buffers given back while a connection is idle. Trust is by pinned key, not by a CA.
#pragma once

#include <string>

#include <asio/ssl.hpp>

#include "identity.hpp"

namespace chat::tls {

// The server's context: presents `id`, asks every client for a certificate (a client without one
// may still connect) and accepts any self-signed one; what a client key may do is the server's
// decision after the handshake (peer_fingerprint).
asio::ssl::context server_context(const identity& id);

// A client's context: presents `id` as its client certificate when given. The server's certificate
// is not checked against any CA; the caller pins its key (see verify_pin in the client).
asio::ssl::context client_context(const identity* id);

// The fingerprint of the key the peer presented, or "" when it presented none.
std::string peer_fingerprint(SSL* ssl);

}  // namespace chat::tls
