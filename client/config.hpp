// The config file: $XDG_CONFIG_HOME/chat/config (else ~/.config/chat/config), TOML. Reads it into
// settings, checks every value, and changes one setting at run time for /set.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "settings.hpp"

namespace chat::client {

// $XDG_CONFIG_HOME/chat/config, or $HOME/.config/chat/config.
std::string default_config_path();
// $XDG_DATA_HOME/chat/logs, or $HOME/.local/share/chat/logs.
std::string default_log_dir();

// Reads the file at `path` into `out`. A missing file is not an error (defaults stay). On any
// problem `out` is left at its defaults and `error` is one line naming the file, the line and the
// problem ("~/.config/chat/config:3: notify.level must be off, private, mention or all").
bool load_config(const std::string& path, settings& out, std::string& error);
// The same for text already read; `name` is what error lines call it.
bool parse_config(std::string_view text, const std::string& name, settings& out, std::string& error);

// Every setting as "section.key" and its value written as in the file, in file order.
std::vector<std::pair<std::string, std::string>> list_settings(const settings& s);
// /set key value: the value is read as a TOML value (`true`, `42`, `"text"`, `["a","b"]`), or as a
// plain string when it is not one. False with `error` set for an unknown key or a bad value.
bool set_setting(settings& s, std::string_view key, std::string_view value, std::string& error);

// Writes `nicks` as [ignore] nicks = [...] into the file at `path`, keeping every other line (and
// comment) as it is; creates the file (and its directory) if needed.
bool save_ignores(const std::string& path, const std::vector<std::string>& nicks, std::string& error);

// A commented example of every setting, as docs/client.md shows it.
const char* example_config();

}  // namespace chat::client
