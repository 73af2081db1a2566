// URLs in messages: recognising them, so wrapping keeps one whole (on rows of its own, without the
// hanging indent) for a terminal's click or copy to work.
#pragma once

#include <string_view>

namespace chat::client {

// True when `word` (no spaces) is a URL: a scheme and "://" ("https://x", "ftp://x", "gemini://x"),
// or "www." and more, perhaps after an opening bracket or quote.
bool is_url(std::string_view word);

}  // namespace chat::client
