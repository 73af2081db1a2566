// The measured workloads. Each fills a JSON result (also printed as a summary by the caller) and
// returns false if the run is not valid: set-up failed, or deliveries were lost.
#pragma once

#include <protocol.hpp>

#include "client_pool.hpp"
#include "options.hpp"

namespace bench {

bool run_fanout(const options& opt, client_pool& pool, chat::json& out);
bool run_idle(const options& opt, client_pool& pool, chat::json& out);
// P = --clients paced clients in the room, then --storm more connect while they talk at --rate.
bool run_storm(const options& opt, client_pool& pool, chat::json& out);
// --clients TLS handshakes, each connection closed once its handshake is done (needs --tls).
bool run_handshake(const options& opt, client_pool& pool, chat::json& out);

// {"p50","p99","max"} of latencies in ns, as microseconds (reorders `ns`).
chat::json latency_us(std::vector<std::int64_t>& ns);

}  // namespace bench
