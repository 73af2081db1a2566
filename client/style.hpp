// How a piece of text looks on screen, named by what it is; terminal.cpp maps each to colours.
#pragma once

namespace chat::client {

enum class style {
    normal, dim, bold, title, status, status_hl, error, notice, self, pm, pending, unsent, highlight,
    act_notice, act_message, act_private, act_mention,  // status-bar windows by their activity
    search_match,  // what Ctrl-R found
    nick0, nick1, nick2, nick3, nick4, nick5, nick6, nick7,
};
inline constexpr int nick_styles = 8;

}  // namespace chat::client
