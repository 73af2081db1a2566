#include "config.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include <toml++/toml.h>

#include "limits.hpp"
#include "protocol.hpp"
#include "utf8.hpp"

namespace chat::client {

const char* notify_level_name(notify_level l) {
    switch (l) {
    case notify_level::off: return "off";
    case notify_level::private_only: return "private";
    case notify_level::mention: return "mention";
    case notify_level::all: return "all";
    }
    return "mention";
}

bool parse_notify_level(std::string_view s, notify_level& out) {
    if (s == "off") out = notify_level::off;
    else if (s == "private") out = notify_level::private_only;
    else if (s == "mention") out = notify_level::mention;
    else if (s == "all") out = notify_level::all;
    else return false;
    return true;
}

namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    if (v != nullptr && v[0] == '/') return v;  // XDG: a relative path is invalid and ignored
    return fallback;
}

std::string home() {
    const char* h = std::getenv("HOME");
    return h != nullptr ? h : "";
}

// One setting: how to show it and how to take a value for it. `set` returns "" or the problem.
struct entry {
    const char* name;
    std::function<std::string(const settings&)> show;
    std::function<std::string(settings&, const toml::node&)> set;
};

// A TOML basic string. Values were checked to hold no control characters, so only the quote and
// the backslash need escaping.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string list_text(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quoted(v[i]);
    return out + "]";
}

std::string get_bool(const toml::node& n, bool& out) {
    if (auto v = n.value_exact<bool>()) {
        out = *v;
        return {};
    }
    return "must be true or false";
}

std::string get_string(const toml::node& n, std::string& out, std::size_t max) {
    auto v = n.value_exact<std::string>();
    if (!v) return "must be a string in quotes";
    if (v->size() > max) return "is longer than " + std::to_string(max) + " bytes";
    if (chat::utf8::sanitize(*v) != *v) return "has control or invisible characters";
    out = *v;
    return {};
}

// A list of strings, each checked by `check` (which may also rewrite it, "rust" -> "#rust").
std::string get_list(const toml::node& n, std::vector<std::string>& out,
                     const std::function<std::string(std::string&)>& check) {
    const toml::array* a = n.as_array();
    if (a == nullptr) return "must be a list of strings, like [\"a\", \"b\"]";
    if (a->size() > 256) return "has more than 256 entries";
    std::vector<std::string> got;
    for (const auto& e : *a) {
        std::string s;
        if (auto why = get_string(e, s, 64); !why.empty()) return "entry " + std::to_string(got.size() + 1) + " " + why;
        if (auto why = check(s); !why.empty()) return why;
        got.push_back(std::move(s));
    }
    out = std::move(got);
    return {};
}

std::string nick_ok(std::string& s) {
    chat::limits lim;
    if (auto e = chat::check_nick(s, lim)) return e->message;
    return {};
}

const std::vector<entry>& entries() {
    static const std::vector<entry> table = {
        {"server.host", [](const settings& s) { return quoted(s.host); },
         [](settings& s, const toml::node& n) { return get_string(n, s.host, 255); }},
        {"server.port", [](const settings& s) { return std::to_string(s.port == 0 ? chat::default_port : s.port); },
         [](settings& s, const toml::node& n) -> std::string {
             auto v = n.value_exact<std::int64_t>();
             if (!v || *v < 1 || *v > 65535) return "must be a number from 1 to 65535";
             s.port = static_cast<std::uint16_t>(*v);
             return {};
         }},
        {"server.nick", [](const settings& s) { return quoted(s.nick); },
         [](settings& s, const toml::node& n) -> std::string {
             std::string v;
             if (auto why = get_string(n, v, 64); !why.empty()) return why;
             if (!v.empty()) {
                 if (auto why = nick_ok(v); !why.empty()) return why;
             }
             s.nick = v;
             return {};
         }},
        {"server.password_file", [](const settings& s) { return quoted(s.password_file); },
         [](settings& s, const toml::node& n) { return get_string(n, s.password_file, 4096); }},
        {"server.rooms", [](const settings& s) { return list_text(s.rooms); },
         [](settings& s, const toml::node& n) {
             return get_list(n, s.rooms, [](std::string& r) -> std::string {
                 if (r.empty() || r.front() != '#') r = "#" + r;
                 chat::limits lim;
                 if (auto e = chat::check_room(r, lim)) return e->message;
                 return {};
             });
         }},
        {"look.timestamp", [](const settings& s) { return quoted(s.timestamp); },
         [](settings& s, const toml::node& n) { return get_string(n, s.timestamp, 32); }},
        {"look.theme", [](const settings& s) { return quoted(s.theme); },
         [](settings& s, const toml::node& n) -> std::string {
             std::string v;
             if (auto why = get_string(n, v, 16); !why.empty()) return why;
             if (v != "dark" && v != "light" && v != "mono") return "must be \"dark\", \"light\" or \"mono\"";
             s.theme = v;
             return {};
         }},
        {"look.nicklist", [](const settings& s) { return s.nicklist ? "true" : "false"; },
         [](settings& s, const toml::node& n) { return get_bool(n, s.nicklist); }},
        {"look.windowlist", [](const settings& s) { return s.windowlist ? "true" : "false"; },
         [](settings& s, const toml::node& n) { return get_bool(n, s.windowlist); }},
        {"look.mouse", [](const settings& s) { return s.mouse ? "true" : "false"; },
         [](settings& s, const toml::node& n) { return get_bool(n, s.mouse); }},
        {"notify.level", [](const settings& s) { return quoted(notify_level_name(s.notify)); },
         [](settings& s, const toml::node& n) -> std::string {
             auto v = n.value_exact<std::string>();
             if (!v || !parse_notify_level(*v, s.notify)) return "must be \"off\", \"private\", \"mention\" or \"all\"";
             return {};
         }},
        {"notify.bell", [](const settings& s) { return s.bell ? "true" : "false"; },
         [](settings& s, const toml::node& n) { return get_bool(n, s.bell); }},
        {"notify.desktop", [](const settings& s) { return s.desktop ? "true" : "false"; },
         [](settings& s, const toml::node& n) { return get_bool(n, s.desktop); }},
        {"notify.highlight", [](const settings& s) { return list_text(s.highlights); },
         [](settings& s, const toml::node& n) {
             return get_list(n, s.highlights, [](std::string& w) -> std::string {
                 return w.empty() ? "a highlight word is empty" : std::string();
             });
         }},
        {"log.enabled", [](const settings& s) { return s.log ? "true" : "false"; },
         [](settings& s, const toml::node& n) { return get_bool(n, s.log); }},
        {"log.max_bytes", [](const settings& s) { return std::to_string(s.log_max_bytes); },
         [](settings& s, const toml::node& n) -> std::string {
             auto v = n.value_exact<std::int64_t>();
             if (!v || *v < 4096 || *v > (std::int64_t{1} << 40)) return "must be a number of bytes from 4096 to 2^40";
             s.log_max_bytes = static_cast<std::uint64_t>(*v);
             return {};
         }},
        {"ignore.nicks", [](const settings& s) { return list_text(s.ignore); },
         [](settings& s, const toml::node& n) { return get_list(n, s.ignore, nick_ok); }},
    };
    return table;
}

const entry* find_entry(std::string_view key) {
    for (const auto& e : entries()) {
        if (key == e.name) return &e;
    }
    return nullptr;
}

std::string at(const std::string& name, const toml::source_region& r) {
    return name + ":" + std::to_string(r.begin.line) + ": ";
}

}  // namespace

std::string default_config_path() { return env_or("XDG_CONFIG_HOME", home() + "/.config") + "/chat/config"; }
std::string default_log_dir() { return env_or("XDG_DATA_HOME", home() + "/.local/share") + "/chat/logs"; }

bool parse_config(std::string_view text, const std::string& name, settings& out, std::string& error) {
    toml::table root;
    try {
        root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        error = at(name, e.source()) + chat::utf8::sanitize(std::string(e.description()));
        return false;
    }
    settings s = out;
    for (const auto& [section, node] : root) {
        const toml::table* t = node.as_table();
        if (t == nullptr) {
            error = at(name, node.source()) + "'" + std::string(section.str()) +
                    "' must be a section like [server], [look], [notify], [log] or [ignore]";
            return false;
        }
        for (const auto& [key, value] : *t) {
            const std::string full = std::string(section.str()) + "." + std::string(key.str());
            const entry* e = find_entry(full);
            if (e == nullptr) {
                error = at(name, value.source()) + "unknown setting " + chat::utf8::sanitize(full);
                return false;
            }
            if (auto why = e->set(s, value); !why.empty()) {
                error = at(name, value.source()) + full + " " + chat::utf8::sanitize(why);
                return false;
            }
        }
    }
    out = std::move(s);
    return true;
}

bool load_config(const std::string& path, settings& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        struct stat st{};
        if (::stat(path.c_str(), &st) != 0) return true;  // no file: the defaults
        error = path + ": cannot be read";
        return false;
    }
    // A config file is small; a huge one is a mistake, not something to load.
    std::string text;
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > 1024 * 1024) {
            error = path + ": larger than 1 MiB, not read";
            return false;
        }
    }
    return parse_config(text, path, out, error);
}

std::vector<std::pair<std::string, std::string>> list_settings(const settings& s) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : entries()) out.emplace_back(e.name, e.show(s));
    return out;
}

bool set_setting(settings& s, std::string_view key, std::string_view value, std::string& error) {
    const entry* e = find_entry(key);
    if (e == nullptr) {
        error = "unknown setting " + chat::utf8::sanitize(key) + " (/set lists them)";
        return false;
    }
    toml::table t;
    try {
        t = toml::parse("v = " + std::string(value));
    } catch (const toml::parse_error&) {
        t = toml::table{{"v", std::string(value)}};  // a bare word: a string
    }
    const toml::node* n = t.get("v");
    settings copy = s;
    if (auto why = n != nullptr ? e->set(copy, *n) : std::string("needs a value"); !why.empty()) {
        error = std::string(key) + " " + chat::utf8::sanitize(why);
        return false;
    }
    s = std::move(copy);
    return true;
}

bool save_ignores(const std::string& path, const std::vector<std::string>& nicks, std::string& error) {
    std::vector<std::string> lines;
    {
        std::ifstream in(path);
        for (std::string l; std::getline(in, l);) lines.push_back(l);
    }
    const std::string value = "nicks = " + list_text(nicks);
    auto trimmed = [](const std::string& l) {
        const auto b = l.find_first_not_of(" \t");
        return b == std::string::npos ? std::string() : l.substr(b);
    };
    bool in_ignore = false;
    bool done = false;
    std::size_t section_end = std::string::npos;
    for (std::size_t i = 0; i < lines.size() && !done; ++i) {
        const std::string t = trimmed(lines[i]);
        if (t.starts_with("[")) {
            if (in_ignore) section_end = i;
            in_ignore = t.starts_with("[ignore]");
            if (!in_ignore && section_end != std::string::npos) break;
            continue;
        }
        // A one-line `nicks = [...]` is replaced; anything else in the section stays as it is.
        if (in_ignore && t.starts_with("nicks") && t.find('=') != std::string::npos && t.find(']') != std::string::npos) {
            lines[i] = value;
            done = true;
        }
        if (in_ignore) section_end = i + 1;
    }
    if (!done) {
        if (section_end != std::string::npos) {
            lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(section_end), value);
        } else {
            if (!lines.empty() && !lines.back().empty()) lines.emplace_back();
            lines.emplace_back("[ignore]");
            lines.push_back(value);
        }
    }
    // The directory may not exist yet; create it (and its parent) as the user would.
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        const std::string dir = path.substr(0, slash);
        const auto up = dir.rfind('/');
        if (up != std::string::npos && up > 0) ::mkdir(dir.substr(0, up).c_str(), 0700);
        ::mkdir(dir.c_str(), 0700);
    }
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& l : lines) out << l << '\n';
        out.flush();
        if (!out) {
            error = "cannot write " + tmp;
            return false;
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "cannot replace " + path;
        return false;
    }
    return true;
}

const char* example_config() {
    return R"(# chat's configuration: ~/.config/chat/config ($XDG_CONFIG_HOME/chat/config), TOML.
# Every setting is optional; command-line flags win over this file. /set shows and changes them
# while chat runs (for that run only; /ignore and /unignore also save [ignore] here).

[server]
host = "192.168.1.20"      # used when the command line names no host
port = 7667
nick = "alice"             # used when the command line names no nick
# password_file = "~/.config/chat/office.password"   # a server's --password-file: its first line
rooms = ["#rust", "#ops"]  # joined after connecting, and again after every reconnect

[look]
timestamp = "%H:%M"        # strftime format of the time before each line ("%H:%M:%S", "%I:%M %p")
theme = "dark"             # dark, light (colours for a light background) or mono (no colours)
nicklist = false           # the current room's nick list at the right (Alt-Shift-N toggles it)
windowlist = false         # the window list at the left (Alt-Shift-B toggles it)
mouse = false              # the mouse wheel scrolls, 3 rows a notch; off keeps the terminal's own selection

[notify]
level = "mention"          # off, private (private messages), mention (and lines naming you), all
bell = true                # ring the terminal bell
desktop = true             # also a desktop notification (OSC 777 and OSC 9, through tmux too)
highlight = ["deploy"]     # more words that count as naming you

[log]
enabled = true             # logs in ~/.local/share/chat/logs/<server>/<room>.log (--no-log: off)
max_bytes = 4194304        # a log past this size moves to <room>.log.1 (the one before is removed)

[ignore]
nicks = []                 # /ignore nick and /unignore nick keep this list
)";
}

}  // namespace chat::client
