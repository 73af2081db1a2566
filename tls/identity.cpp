#include "identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace chat::tls {

namespace {

std::string openssl_error() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return "unknown error";
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    return buf.data();
}

std::string base64_nopad(const unsigned char* data, std::size_t n) {
    static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < n; i += 3) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8) | data[i + 2];
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += digits[(v >> 6) & 63];
        out += digits[v & 63];
    }
    if (i + 1 == n) {
        const unsigned v = unsigned{data[i]} << 16;
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
    } else if (i + 2 == n) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8);
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += digits[(v >> 6) & 63];
    }
    return out;
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

identity_result fail(std::string why) {
    identity_result r;
    r.error = std::move(why);
    return r;
}

// A new Ed25519 key and a self-signed certificate for it, valid for a century: the certificate only
// carries the key (pinning is of the key), so it must never expire under a running deployment.
identity_result generate(const std::string& common_name) {
    identity id;
    id.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
    if (!id.key) return fail("cannot make a key: " + openssl_error());
    id.cert.reset(X509_new(), X509_free);
    X509* x = id.cert.get();
    std::array<unsigned char, 16> serial{};
    if (RAND_bytes(serial.data(), static_cast<int>(serial.size())) != 1) return fail("no random bytes: " + openssl_error());
    serial[0] &= 0x7f;  // a positive serial
    std::shared_ptr<BIGNUM> bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr), BN_free);
    if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) == nullptr) return fail("cannot set a serial");
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), 100L * 365 * 86400);
    X509_NAME* name = X509_get_subject_name(x);
    const std::string cn = common_name.empty() ? std::string("chat") : common_name.substr(0, 64);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.data()),
                               static_cast<int>(cn.size()), -1, 0);
    X509_set_issuer_name(x, name);
    if (X509_set_pubkey(x, id.key.get()) != 1 || X509_sign(x, id.key.get(), nullptr) <= 0) {
        return fail("cannot sign the certificate: " + openssl_error());
    }
    id.fingerprint = fingerprint(x);
    identity_result r;
    r.value = std::move(id);
    r.created = true;
    return r;
}

std::string to_pem(const identity& id) {
    std::shared_ptr<BIO> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), id.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_bio_X509(bio.get(), id.cert.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// Written to a temporary file (0600 from its creation) and linked into place, so a crash leaves
// either no file or a whole one, and of several processes making the key at once (fifty clients
// started together) the first wins and the others use its key: `lost` is set for them.
std::string write_private(const std::string& path, const std::string& text, bool& lost) {
    lost = false;
    const std::string tmp = path + ".new." + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
    std::size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return "cannot write " + tmp + ": " + why;
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        return "cannot write " + tmp + ": " + std::strerror(errno);
    }
    if (::link(tmp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        if (saved == EEXIST) {
            lost = true;
            return {};
        }
        return "cannot create " + path + ": " + std::strerror(saved);
    }
    ::unlink(tmp.c_str());
    return {};
}

}  // namespace

identity_result make_identity(const std::string& common_name) { return generate(common_name); }

std::string make_dirs(const std::string& dir) {
    if (dir.empty() || dir == "." || dir == "/") return {};
    struct stat st{};
    if (::stat(dir.c_str(), &st) == 0) {
        return S_ISDIR(st.st_mode) ? std::string() : dir + " exists and is not a directory";
    }
    if (auto e = make_dirs(parent_of(dir)); !e.empty()) return e;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return "cannot create " + dir + ": " + std::strerror(errno);
    return {};
}

std::string fingerprint(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(key, &der);
    if (n <= 0) return {};
    std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
    SHA256(der, static_cast<std::size_t>(n), md.data());
    OPENSSL_free(der);
    return "SHA256:" + base64_nopad(md.data(), md.size());
}

std::string fingerprint(X509* cert) {
    if (cert == nullptr) return {};
    EVP_PKEY* key = X509_get0_pubkey(cert);
    return key == nullptr ? std::string() : fingerprint(key);
}

identity_result load_identity(const std::string& path, const std::string& common_name, bool create) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) return fail("cannot read " + path + ": " + std::strerror(errno));
        if (!create) return fail(path + " does not exist");
        if (auto e = make_dirs(parent_of(path)); !e.empty()) return fail(e);
        identity_result made = generate(common_name);
        if (!made.value) return made;
        bool lost = false;
        if (auto e = write_private(path, to_pem(*made.value), lost); !e.empty()) return fail(e);
        if (lost) return load_identity(path, common_name, false);
        return made;
    }
    if (!S_ISREG(st.st_mode)) return fail(path + " is not a file");
    if ((st.st_mode & 077) != 0) {
        return fail(path + " can be read by others (mode " + std::to_string((st.st_mode >> 6) & 7) +
                    std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
                    "); run: chmod 600 " + path);
    }
    std::FILE* f = std::fopen(path.c_str(), "re");
    if (f == nullptr) return fail("cannot read " + path + ": " + std::strerror(errno));
    identity id;
    id.key.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr), EVP_PKEY_free);
    id.cert.reset(id.key ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr, X509_free);
    std::fclose(f);
    ERR_clear_error();
    if (!id.key || !id.cert) {
        return fail(path + " holds no private key and certificate; move it away to make a new key "
                           "(everyone who pinned the old one will be refused)");
    }
    if (X509_check_private_key(id.cert.get(), id.key.get()) != 1) {
        ERR_clear_error();
        return fail(path + ": the certificate is not for the private key beside it");
    }
    id.fingerprint = fingerprint(id.cert.get());
    identity_result r;
    r.value = std::move(id);
    return r;
}

}  // namespace chat::tls
