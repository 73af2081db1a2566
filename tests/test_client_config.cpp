// The config file: every setting read and checked, one clear line for a broken file, /set, and
// /ignore's saving that keeps the user's comments.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config.hpp"

using namespace chat::client;

TEST_CASE("config: the documented example reads back with every value") {
    settings s;
    std::string error;
    REQUIRE_MESSAGE(parse_config(example_config(), "example", s, error), error);
    CHECK(s.host == "192.168.1.20");
    CHECK(s.port == 7667);
    CHECK(s.nick == "alice");
    CHECK(s.rooms == std::vector<std::string>{"#rust", "#ops"});
    CHECK(s.timestamp == "%H:%M");
    CHECK(s.notify == notify_level::mention);
    CHECK(s.highlights == std::vector<std::string>{"deploy"});
    CHECK(s.log);
    CHECK(s.ignore.empty());
}

TEST_CASE("config: values are checked; a broken file names file, line and problem and keeps the defaults") {
    auto problem = [](const std::string& text) {
        settings s;
        s.nick = "kept";
        std::string error;
        CHECK_FALSE(parse_config(text, "/home/a/.config/chat/config", s, error));
        CHECK(s.nick == "kept");        // nothing of a broken file is used
        CHECK(error.find('\n') == std::string::npos);  // one line
        return error;
    };
    CHECK(problem("[server]\nnick = \"ok\"\nport = \"seven\"\n") ==
          "/home/a/.config/chat/config:3: server.port must be a number from 1 to 65535");
    CHECK(problem("[notify]\n\nlevel = \"loud\"\n").starts_with("/home/a/.config/chat/config:3: notify.level must be"));
    CHECK(problem("[look]\ntheme = 'dark'\nnickllist = true\n") ==
          "/home/a/.config/chat/config:3: unknown setting look.nickllist");
    CHECK(problem("[server\nnick = 1\n").starts_with("/home/a/.config/chat/config:1: "));
    CHECK(problem("[server]\nnick = \"has space\"\n").find("server.nick") != std::string::npos);
    CHECK(problem("[server]\nrooms = [\"#ok\", \"bad room\"]\n").find(":2: server.rooms") != std::string::npos);
    CHECK(problem("nick = \"top\"\n").find("must be a section") != std::string::npos);
    CHECK(problem("[look]\ntimestamp = \"\x1b[2J\"\n").find("control") != std::string::npos);
    CHECK(problem("[log]\nmax_bytes = 10\n").find("log.max_bytes") != std::string::npos);

    settings s;
    std::string error;
    REQUIRE(parse_config("[server]\nrooms = [\"rust\"]\n[notify]\nlevel = \"all\"\n", "f", s, error));
    CHECK(s.rooms == std::vector<std::string>{"#rust"});
    CHECK(s.notify == notify_level::all);
}

TEST_CASE("config: /set changes one setting, refuses bad values, lists them all") {
    settings s;
    std::string error;
    CHECK(set_setting(s, "notify.level", "private", error));  // a bare word is a string
    CHECK(s.notify == notify_level::private_only);
    CHECK(set_setting(s, "look.timestamp", "\"%H:%M:%S\"", error));
    CHECK(s.timestamp == "%H:%M:%S");
    CHECK(set_setting(s, "notify.highlight", "[\"build\", \"deploy\"]", error));
    CHECK(s.highlights.size() == 2);
    CHECK_FALSE(set_setting(s, "log.enabled", "maybe", error));
    CHECK(error == "log.enabled must be true or false");
    CHECK_FALSE(set_setting(s, "no.such", "1", error));
    CHECK(error.find("unknown setting no.such") != std::string::npos);
    bool found = false;
    for (const auto& [k, v] : list_settings(s)) {
        if (k == "look.timestamp") found = v == "\"%H:%M:%S\"";
    }
    CHECK(found);
}

TEST_CASE("config: saving ignores keeps the rest of the file, comments included") {
    char dir[] = "/tmp/chat-config-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/chat/config";
    std::string error;
    // No file yet: it is created, with its directory.
    REQUIRE_MESSAGE(save_ignores(path, {"spam"}, error), error);
    settings s;
    REQUIRE_MESSAGE(load_config(path, s, error), error);
    CHECK(s.ignore == std::vector<std::string>{"spam"});

    {
        std::ofstream out(path);
        out << "# mine\n[ignore]\nnicks = [\"a\"]  # old\n\n[log]\nenabled = false # keep\n";
    }
    REQUIRE(save_ignores(path, {"a", "b"}, error));
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == "# mine\n[ignore]\nnicks = [\"a\", \"b\"]\n\n[log]\nenabled = false # keep\n");
    settings t;
    REQUIRE(load_config(path, t, error));
    CHECK(t.ignore.size() == 2);
    CHECK_FALSE(t.log);

    {
        std::ofstream out(path);
        out << "[log]\nenabled = false\n";
    }
    REQUIRE(save_ignores(path, {"c"}, error));
    settings u;
    REQUIRE_MESSAGE(load_config(path, u, error), error);
    CHECK(u.ignore == std::vector<std::string>{"c"});
    CHECK_FALSE(u.log);
    std::system(("rm -rf " + std::string(dir)).c_str());
}
