// The LAN discovery datagrams (docs/protocol.md, "Discovery"): a padded query a client broadcasts,
// and the answer a chatd sends back to the query's source. Parsing never throws and never trusts
// the content for where to connect: that is always the datagram's source address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::discovery {

inline constexpr std::uint16_t default_port = 7667;  // UDP; the same number as chatd's TCP default
// A query shorter than this is ignored: the answer is never longer than the query that asked.
inline constexpr std::size_t min_query = 512;
// Longest datagram either side reads; a longer one is ignored unparsed.
inline constexpr std::size_t max_datagram = 1024;
inline constexpr std::size_t max_name = 64;          // bytes of a server name
inline constexpr std::size_t max_id = 32;            // bytes of a query id: [0-9A-Za-z]
inline constexpr std::size_t max_instance = 64;      // bytes: [0-9A-Za-z]
inline constexpr std::size_t max_fingerprint = 128;  // bytes: [0-9A-Za-z:+/=_-]

struct answer {
    std::string id;           // echoes the query's
    std::string name;         // the server's name (--name), drawable UTF-8
    std::uint16_t port = 0;   // TCP port to connect to, at the datagram's source address
    std::int64_t version = 0; // TCP protocol version
    std::string instance;     // this run of the server (as in welcome.instance); may be empty
    std::string fingerprint;  // the server's key fingerprint; empty when it has none
};

// Why a datagram was not taken, for counters and tests; `ok` when it was.
enum class verdict { ok, too_short, too_long, garbage };

// A query padded with spaces to exactly min_query bytes. `id` must pass valid_id.
std::string encode_query(std::string_view id);

// The id of a valid query, or the reason it is ignored.
verdict parse_query(std::string_view datagram, std::string& id);

// One answer datagram; its length is at most 2 * max_name + 400 bytes, below min_query.
std::string encode_answer(const answer& a);

// A valid answer to the query with `expected_id`, or nullopt. Fields the format does not define
// (an "address", say) are ignored.
std::optional<answer> parse_answer(std::string_view datagram, std::string_view expected_id);

bool valid_id(std::string_view id);
bool valid_fingerprint(std::string_view fp);
// A name as a server may announce it: 1 to max_name bytes of valid UTF-8 without control or
// invisible characters.
bool valid_name(std::string_view name);
// `raw` (a host name, say) made a valid name: bad characters dropped, cut on a character boundary.
// Empty when nothing is left.
std::string make_name(std::string_view raw);

// 16 random characters for a query id.
std::string random_id();

}  // namespace chat::discovery
