// One way to read a command line, for chatd, chat and chat-bench: a table of flags, each with its
// argument's name, its line of --help and a setter that checks the value. `--name value` and
// `--name=value` both work, a short alias may stand beside the long name, `--` ends the flags, and
// every mistake comes back as one sentence naming the flag.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::cli {

// A setter returns nullopt when the value is taken, or what the flag expects (e.g. "expects a port
// number from 1 to 65535").
template <class Options>
using setter = std::function<std::optional<std::string>(Options&, std::string_view)>;

template <class Options>
struct flag {
    const char* name;   // "--port"
    const char* arg;    // "N"; nullptr for a switch (its setter gets "")
    const char* help;   // one line (more lines: '\n' inside, indented by describe)
    setter<Options> set;
    const char* alias = nullptr;  // "-p", or none
};

// What went wrong, for the caller to print with its own prefix ("chatd: ...").
struct mistake {
    std::string text;
};

// Reads `args` (without the program's name) into `o`. Words that are not flags go to `positional`
// if given; without it they are a mistake. Returns the first mistake, or nothing.
template <class Options>
std::optional<mistake> parse(const std::vector<flag<Options>>& table, const std::vector<std::string>& args, Options& o,
                             std::vector<std::string>* positional = nullptr) {
    bool flags_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        const bool looks_like_flag = !flags_done && arg.size() > 1 && arg.front() == '-';
        if (!looks_like_flag) {
            if (positional == nullptr) return mistake{"unexpected argument \"" + std::string(arg) + "\""};
            positional->emplace_back(arg);
            continue;
        }
        if (arg == "--") {
            flags_done = true;
            continue;
        }
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        const flag<Options>* match = nullptr;
        for (const auto& f : table) {
            if (name == f.name || (f.alias != nullptr && name == f.alias)) match = &f;
        }
        if (match == nullptr) return mistake{"unknown option " + std::string(arg)};
        if (match->arg == nullptr && value) return mistake{std::string(name) + " takes no value"};
        if (match->arg != nullptr && !value) {
            if (i + 1 >= args.size()) return mistake{std::string(name) + " needs a value (" + match->arg + ")"};
            value = args[++i];
        }
        if (auto why = match->set(o, value.value_or(""))) {
            if (match->arg == nullptr) return mistake{std::string(name) + " " + *why};
            return mistake{std::string(name) + " " + *why + ", got \"" + std::string(*value) + "\""};
        }
    }
    return std::nullopt;
}

// The flags' lines for --help: the name and argument in a column `width` wide, then the help.
template <class Options>
std::string describe(const std::vector<flag<Options>>& table, std::size_t width = 32) {
    std::string out;
    for (const auto& f : table) {
        std::string left = std::string("  ") + f.name + (f.arg != nullptr ? std::string(" ") + f.arg : "");
        if (f.alias != nullptr) left += std::string(", ") + f.alias;
        if (left.size() < width) left.resize(width, ' ');
        else left += "  ";
        std::string help = f.help;
        for (std::size_t at = help.find('\n'); at != std::string::npos; at = help.find('\n', at + 1)) {
            help.insert(at + 1, std::string(width, ' '));
        }
        out += left + help + "\n";
    }
    return out;
}

// Values. Each is exact: the whole word, no sign where none is meant, no trailing junk.
inline std::optional<unsigned long long> to_count(std::string_view v) {
    unsigned long long n = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size()) return std::nullopt;
    return n;
}

inline std::optional<double> to_number(std::string_view v) {
    if (v.empty() || v.size() > 32) return std::nullopt;
    const std::string s(v);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
    return d;
}

// A port from `lowest` (0 or 1) to 65535.
inline std::optional<std::uint16_t> to_port(std::string_view v, unsigned lowest = 1) {
    const auto n = to_count(v);
    if (!n || *n < lowest || *n > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(*n);
}

}  // namespace chat::cli
