// Reading the fields of a frame from the server. A missing or mistyped field reads as empty (0,
// false), and text is made safe to draw.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace chat::client {

std::string text_of(const json& body, const char* key);
// Message text: like text_of, but its line breaks (feature multiline) stay.
std::string lines_of(const json& body, const char* key);
std::int64_t int_of(const json& body, const char* key);
bool bool_of(const json& body, const char* key);
// A server timestamp, or 0 (add_line stamps the line with now) when it is missing or outside years
// 1970-9999: a hostile one would otherwise reach the calendar arithmetic of the day lines.
std::int64_t ts_of(const json& body);
// The strings of an array; other elements are skipped.
std::vector<std::string> list_of(const json& body, const char* key);

}  // namespace chat::client
