// A key pair and its self-signed certificate kept in one 0600 PEM file: the server's key in its
// state directory, a client's identity in $XDG_DATA_HOME/chat/identity. Pinning is of the public key:
// a fingerprint is SHA256 of the key's SubjectPublicKeyInfo, printed "SHA256:<base64>" as ssh does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace chat::tls {

struct identity {
    std::shared_ptr<EVP_PKEY> key;
    std::shared_ptr<X509> cert;
    std::string fingerprint;  // "SHA256:..." of the public key
};

struct identity_result {
    std::optional<identity> value;
    std::string error;     // one sentence saying what is wrong and what to do, when value is empty
    bool created = false;  // the file did not exist and was made now
};

// Reads the key and certificate from `path`. A missing file is made (Ed25519 key, self-signed
// certificate with `common_name`, mode 0600, missing directories 0700) only when `create` is true.
// A file that exists but cannot be read, is not a key and certificate of the same key pair, or can
// be read by others is refused, never replaced: a new key would break every client's pin.
identity_result load_identity(const std::string& path, const std::string& common_name, bool create = true);

// A new key and certificate in memory only (tests, and load_identity when it creates a file).
identity_result make_identity(const std::string& common_name);

// "SHA256:<base64 without padding>" of the certificate's public key.
std::string fingerprint(X509* cert);
std::string fingerprint(EVP_PKEY* key);

// Makes every directory of `dir` that is missing, mode 0700. Returns an error sentence or "".
std::string make_dirs(const std::string& dir);

}  // namespace chat::tls
