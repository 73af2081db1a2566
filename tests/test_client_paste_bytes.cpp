// Gathering a bracketed paste's bytes up to its end marker, with the size cap.
#include <doctest/doctest.h>

#include <string>

#include "paste_bytes.hpp"

using chat::client::paste_bytes;

namespace {

// Feeds `s`; true if the end marker completed (what follows it is not fed).
bool feed(paste_bytes& p, const std::string& s) {
    for (const char c : s) {
        if (p.feed(c)) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("paste bytes: the text before the end marker, escapes that are not the marker kept") {
    paste_bytes p(1024);
    CHECK_FALSE(feed(p, "one\rtwo \x1b[A\x1b[20x\x1b[201"));
    CHECK(feed(p, "~ignored"));
    const auto k = p.take(true);
    CHECK(k.text == "one\rtwo \x1b[A\x1b[20x");
    CHECK_FALSE(k.cut_short);
    CHECK_FALSE(k.too_big);
    CHECK(p.empty());
}

TEST_CASE("paste bytes: past the cap the rest is left out and said, and the end marker is still seen") {
    paste_bytes p(8);
    // Before, the marker was looked for in the capped text and never found: the paste ended only
    // by the one-second timeout, said as "no end marker".
    CHECK(feed(p, std::string(100, 'x') + "\x1b[201~"));
    const auto k = p.take(true);
    CHECK(k.text == std::string(8, 'x'));
    CHECK(k.too_big);
    CHECK_FALSE(k.cut_short);
}

TEST_CASE("paste bytes: no end marker: what arrived, a marker's start included, cut short") {
    paste_bytes p(1024);
    CHECK_FALSE(feed(p, "abc\x1b[20"));
    p.feed_key(true);   // Enter made a key code: a line break
    p.feed_key(false);  // an arrow: one control, left out later and said
    const auto k = p.take(false);
    CHECK(k.text == "abc\x1b[20\r\x1b");
    CHECK(k.cut_short);
}
