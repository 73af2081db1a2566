// The dispatcher's away state: `away` sets or clears a peer's reason, `who` lists it, and a private
// message to an away peer tells the sender why nobody answers, once per absence.
#include <algorithm>

#include "dispatcher.hpp"
#include "wire.hpp"

namespace chat {

namespace {

// Distinct senders remembered per absence; past it a sender may hear the reason again, which is
// harmless and keeps the memory bounded.
constexpr std::size_t max_away_told = 256;

std::string away_frame(const peer_state& s) {
    return wire::encode(wire::out_json{
        {"type", "away"}, {"nick", s.nick}, {"away", !s.away.empty()}, {"reason", s.away}, {"ts", now_ms()}});
}

}  // namespace

void dispatcher::on_away(participant& p, const json& b) {
    wire_error err;
    std::string given;
    if (!optional_string(b, "reason", given, err)) return refuse(p, err, "away", true);
    peer_state& s = p.chat();
    // Cleaned like part and quit reasons: never refused, controls dropped, cut to max_topic. A
    // reason that was all controls still means away.
    const std::string reason = wire::clip(given, lim_.max_topic);
    s.away = given.empty() ? std::string() : reason.empty() ? std::string("away") : reason;
    s.away_told.clear();
    p.deliver(share(away_frame(s)));
}

void dispatcher::tell_away(participant& p, participant& target) {
    peer_state& t = target.chat();
    std::string key = fold(p.chat().nick);
    if (std::find(t.away_told.begin(), t.away_told.end(), key) != t.away_told.end()) return;
    if (t.away_told.size() < max_away_told) t.away_told.push_back(std::move(key));
    p.deliver(share(away_frame(t)));
}

}  // namespace chat
