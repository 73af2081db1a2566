// The password question's keys: masked count, Backspace over UTF-8, Esc alone cancels, an arrow
// key's sequence does not, Enter ends it.
#include <doctest/doctest.h>

#include <string>

#include "password_entry.hpp"

using chat::client::password_entry;

namespace {

void type(password_entry& e, const std::string& bytes) {
    for (std::size_t i = 0; i < bytes.size(); ++i) e.feed(static_cast<unsigned char>(bytes[i]), i + 1 < bytes.size());
}

}  // namespace

TEST_CASE("password entry: typed, corrected, entered") {
    password_entry e;
    type(e, "h\xC3\xA9llo");  // h é l l o: 5 characters, 6 bytes
    CHECK(e.shown() == 5);
    e.feed(0x7f, false);
    e.feed(0x7f, false);
    e.feed(0x7f, false);
    e.feed(0x7f, false);  // é goes whole
    CHECK(e.shown() == 1);
    type(e, "ey you");
    e.feed('\t', false);  // control keys type nothing
    CHECK(e.feed('\r', false) == password_entry::state::done);
    CHECK(e.take() == "hey you");
    CHECK(e.take().empty());  // wiped once taken
}

TEST_CASE("password entry: Esc alone cancels, an arrow key does not, Ctrl-U clears") {
    password_entry e;
    type(e, "abc");
    type(e, "\x1b[D");  // Left, as one read
    type(e, "\x1bOA");  // Up in application mode
    CHECK(e.current() == password_entry::state::typing);
    CHECK(e.shown() == 3);
    e.feed(0x15, false);
    CHECK(e.shown() == 0);
    type(e, "x");
    CHECK(e.feed(0x1b, false) == password_entry::state::cancelled);
    CHECK(e.take().empty());
    CHECK(e.feed('y', false) == password_entry::state::cancelled);
}

TEST_CASE("password entry: Ctrl-C cancels; the length is bounded") {
    password_entry e;
    for (std::size_t i = 0; i < password_entry::max_bytes + 10; ++i) e.feed('a', false);
    CHECK(e.shown() == password_entry::max_bytes);
    CHECK(e.feed(0x03, false) == password_entry::state::cancelled);
}
