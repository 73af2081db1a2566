// Every frame the client sends, each built in this one place (docs/protocol.md, "Client to
// server"). Each returns the encoded line with its '\n'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol.hpp"

namespace chat::client::outgoing {

// With `password` (a server's --password-file), hello carries it.
std::string hello(std::string_view nick, std::string_view password = {});
// A message to a room (`say`) or, for a private conversation, to a nick (`pm`).
std::string message(std::string_view target, bool query, std::string_view text, bool action);
// `since` > 0 asks only for history after that message id.
std::string join(std::string_view room, std::int64_t since = 0);
std::string part(std::string_view room, std::string_view reason = {});
std::string nick(std::string_view nick);
// Without a topic, asks for the current one.
std::string topic(std::string_view room);
std::string set_topic(std::string_view room, std::string_view topic);
std::string who(std::string_view room);
std::string rooms();
std::string quit(std::string_view reason = {});
// Feature `history_pages`: up to `limit` older messages of a room (or, `query`, of the conversation
// with a nick), below message id `before` when it is > 0.
std::string history(std::string_view name, bool query, std::int64_t before, std::int64_t limit);
// Feature `search`: every word of `words`, in `room` only when it is not empty.
std::string search(std::string_view words, std::string_view room = {});
// Feature `away`: an empty reason marks us back.
std::string away(std::string_view reason = {});

// Keep-alive, sent by the network thread: our ping, and the answer to the server's `ping` (its
// token echoed when it is an integer or a string).
std::string ping(std::int64_t token);
std::string pong(const json& ping);

}  // namespace chat::client::outgoing
