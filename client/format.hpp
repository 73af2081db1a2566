// Text shared by both faces of the client: local-time stamps, nick colours, and the one-line form
// of a chat line used by line mode.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model.hpp"

namespace chat::client {

// "HH:MM:SS" in local time.
std::string clock_text(std::int64_t utc_ms);
// The time in the user's strftime `format` (look.timestamp), made safe to draw.
std::string clock_text(std::int64_t utc_ms, const std::string& format);

// The local calendar day of a time, as a number that changes when the day does (yyyymmdd).
int day_key(std::int64_t utc_ms);
// "Wednesday 25 November 2026" in local time.
std::string day_text(std::int64_t utc_ms);

// A stable colour slot in [0, slots) for a nick (case-insensitive), the same on every run.
int nick_colour(std::string_view nick, int slots);

// Curses drops a zero-width joiner (U+200D) kept inside an emoji sequence: on screen it is drawn as
// this mark instead (line mode and the logs keep the sequence as sent).
inline constexpr std::string_view joiner_mark = "<ZWJ>";
std::string show_joiners(std::string_view s);

// The line as line mode prints it, without the time: "#lobby <alice> hi", "[pm] <bob -> alice> psst".
std::string plain_body(const printed_line& p);

// plain_body with the local time in front, or "error: ..." for errors.
// Starts each line after the first of a multi-line message in line mode.
inline constexpr const char* continuation_prefix = "  | ";

std::string plain_text(const printed_line& p);

}  // namespace chat::client
