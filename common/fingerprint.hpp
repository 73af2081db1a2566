// The shape of a key fingerprint as chatd prints it and chat pins it: "SHA256:" then the 43
// characters of an unpadded base64 SHA-256 (ssh's form). Only the shape: tls/identity.* computes it.
#pragma once

#include <string_view>

namespace chat {

inline bool is_fingerprint(std::string_view s) {
    constexpr std::string_view prefix = "SHA256:";
    if (s.size() != prefix.size() + 43 || s.substr(0, prefix.size()) != prefix) return false;
    for (const char c : s.substr(prefix.size())) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (!ok) return false;
    }
    return true;
}

}  // namespace chat
