// Hostile frame contents against the real chatd: wrong types, missing fields, unknown types, commands
// before hello, bad text and topics, and nicks built to spoof or confuse. Each gets its documented
// error, the connection lives on, nothing refused reaches the witnesses, and they still talk.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/chatd_process.hpp"
#include "support/test_client.hpp"
#include "support/witness.hpp"

using namespace chat::test;
using chat::json;

namespace {

const std::vector<std::string> lenient{"--rate", "0", "--max-errors", "1000"};

struct bad_case {
    std::string line;   // raw frame, without '\n'
    std::string code;   // the error code it must get
    std::string field;  // a word the error message must contain (the field at fault), or empty
};

// Sends each case on `c`, checks its error (and that the connection still answers ping after it),
// then proves with a sentinel that none of them was relayed to the witness.
void run_cases(test_client& c, witnesses& w, const std::vector<bad_case>& cases, const std::string& sentinel) {
    int token = 1000;
    for (const auto& k : cases) {
        REQUIRE(c.send_raw(k.line + "\n"));
        const json e = c.wait_for([](const json& f) { return f.value("type", "") == "error"; },
                                  "an error for " + preview(k.line, 80));
        CHECK_MESSAGE(e.value("code", "") == k.code, "for " << preview(k.line, 80) << " got " << e.dump());
        if (!k.field.empty()) {
            CHECK_MESSAGE(e.value("message", "").find(k.field) != std::string::npos,
                          "the error for " << preview(k.line, 80) << " does not name " << k.field << ": " << e.dump());
        }
        expect_pong(c, ++token);
    }
    if (!c.nick().empty()) {
        REQUIRE(c.say("#lobby", sentinel));
        expect_next_message(w.a(), c.nick(), sentinel);
    }
    w.check_relay("after " + sentinel);
}

std::string say_with_text(const std::string& json_text) {
    return "{\"type\":\"say\",\"room\":\"#lobby\",\"text\":" + json_text + "}";
}

}  // namespace

TEST_CASE("hostile fields: frames that are not objects or have no string type get bad_frame") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("shapes");
    run_cases(c, w,
              {{"[]", "bad_frame", ""},
               {"42", "bad_frame", ""},
               {"null", "bad_frame", ""},
               {"true", "bad_frame", ""},
               {"\"say\"", "bad_frame", ""},
               {"{}", "bad_frame", "type"},
               {"{\"type\":5}", "bad_frame", "type"},
               {"{\"type\":null}", "bad_frame", "type"},
               {"{\"type\":[\"say\"]}", "bad_frame", "type"},
               {"{\"Type\":\"say\",\"room\":\"#lobby\",\"text\":\"x\"}", "bad_frame", "type"}},
              "shapes done");
}

TEST_CASE("hostile fields: wrong field types get bad_frame naming the field") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("types");
    run_cases(c, w,
              {{"{\"type\":\"say\",\"room\":5,\"text\":\"x\"}", "bad_frame", "room"},
               {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":[\"x\"]}", "bad_frame", "text"},
               {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":{\"a\":1}}", "bad_frame", "text"},
               {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"x\",\"action\":\"yes\"}", "bad_frame", "action"},
               {"{\"type\":\"say\",\"room\":null,\"text\":\"x\"}", "bad_frame", "room"},
               {"{\"type\":\"pm\",\"to\":7,\"text\":\"x\"}", "bad_frame", "to"},
               {"{\"type\":\"join\",\"room\":[\"#a\"]}", "bad_frame", "room"},
               {"{\"type\":\"part\",\"room\":\"#lobby\",\"reason\":1}", "bad_frame", "reason"},
               {"{\"type\":\"nick\",\"nick\":{}}", "bad_frame", "nick"},
               {"{\"type\":\"topic\",\"room\":\"#lobby\",\"topic\":7}", "bad_frame", "topic"},
               {"{\"type\":\"who\",\"room\":false}", "bad_frame", "room"}},
              "types done");
}

TEST_CASE("hostile fields: missing fields get bad_frame naming the field") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("missing");
    run_cases(c, w,
              {{"{\"type\":\"say\",\"room\":\"#lobby\"}", "bad_frame", "text"},
               {"{\"type\":\"say\",\"text\":\"x\"}", "bad_frame", "room"},
               {"{\"type\":\"pm\",\"text\":\"x\"}", "bad_frame", "to"},
               {"{\"type\":\"pm\",\"to\":\"witnessA\"}", "bad_frame", "text"},
               {"{\"type\":\"join\"}", "bad_frame", "room"},
               {"{\"type\":\"part\"}", "bad_frame", "room"},
               {"{\"type\":\"nick\"}", "bad_frame", "nick"},
               {"{\"type\":\"who\"}", "bad_frame", "room"},
               {"{\"type\":\"topic\"}", "bad_frame", "room"}},
              "missing done");
}

TEST_CASE("hostile fields: unknown types get unknown_type; a forged from is ignored") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("mallory");
    run_cases(c, w,
              {{"{\"type\":\"explode\"}", "unknown_type", ""},
               {"{\"type\":\"\"}", "unknown_type", ""},
               {"{\"type\":\"SAY\",\"room\":\"#lobby\",\"text\":\"x\"}", "unknown_type", ""},
               {"{\"type\":\"message\",\"room\":\"#lobby\",\"from\":\"witnessB\",\"text\":\"x\"}", "unknown_type", ""},
               {"{\"type\":\"welcome\"}", "unknown_type", ""},
               {"{\"type\":\"hello\",\"version\":1,\"nick\":\"again\"}", "already_registered", ""}},
              "unknown done");
    // The server stamps the sender itself.
    REQUIRE(c.send_raw("{\"type\":\"say\",\"room\":\"#lobby\",\"from\":\"witnessB\",\"text\":\"forged\"}\n"));
    expect_next_message(w.a(), "mallory", "forged");
}

TEST_CASE("hostile fields: every command before hello gets not_registered, then hello works") {
    chatd_process srv(lenient);
    witnesses w(srv);
    test_client c = srv.client();
    for (const std::string line :
         {"{\"type\":\"say\",\"room\":\"#lobby\",\"text\":\"early\"}", "{\"type\":\"join\",\"room\":\"#early\"}",
          "{\"type\":\"part\",\"room\":\"#lobby\"}", "{\"type\":\"pm\",\"to\":\"witnessA\",\"text\":\"early\"}",
          "{\"type\":\"nick\",\"nick\":\"early\"}", "{\"type\":\"topic\",\"room\":\"#lobby\",\"topic\":\"early\"}",
          "{\"type\":\"rooms\"}", "{\"type\":\"who\",\"room\":\"#lobby\"}"}) {
        REQUIRE(c.send_raw(line + "\n"));
        const json e = c.wait_for([](const json& f) { return f.value("type", "") == "error"; },
                                  "an error for " + line);
        CHECK_MESSAGE(e.value("code", "") == "not_registered", "for " << line << " got " << e.dump());
    }
    // ping is the one frame answered before hello.
    REQUIRE(c.send_raw("{\"type\":\"ping\",\"token\":1}\n"));
    CHECK(c.wait_for("pong").value("token", 0) == 1);
    // A bad hello is refused without closing; a good one then registers.
    REQUIRE(c.send_raw("{\"type\":\"hello\",\"nick\":\"early\"}\n"));
    CHECK(c.wait_for_error("bad_frame").value("message", "").find("version") != std::string::npos);
    c.hello("early");
    REQUIRE(c.say("#lobby", "registered now"));
    expect_next_message(w.a(), "early", "registered now");
    // The early pm and topic never happened.
    REQUIRE(w.a().send(json{{"type", "topic"}, {"room", "#lobby"}}));
    CHECK(w.a().wait_for("topic").value("topic", "x") == "");
    w.check_relay("after early commands");

    // A wrong protocol version is refused and closed.
    test_client v = srv.client();
    REQUIRE(v.send(json{{"type", "hello"}, {"version", 2}, {"nick", "future"}}));
    v.wait_for_error("bad_version");
    CHECK(v.is_closed());
}

TEST_CASE("hostile fields: empty, oversized and control-laden text is refused; edge-size text is intact") {
    chatd_process srv({"--rate", "0", "--max-errors", "1000", "--max-text", "64"});
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("texter");
    // 60 ASCII bytes and a 4-byte emoji: exactly 64, delivered byte for byte.
    const std::string edge = std::string(60, 'e') + "\xf0\x9f\x91\x8b";
    REQUIRE(c.say("#lobby", edge));
    expect_next_message(w.a(), "texter", edge);
    // Tabs and bidi characters are relayed (clients draw them visibly).
    REQUIRE(c.say("#lobby", "a\tb \xe2\x80\xae" "desrever"));
    expect_next_message(w.a(), "texter", "a\tb \xe2\x80\xae" "desrever");

    run_cases(c, w,
              {{say_with_text("\"\""), "empty_text", ""},
               {say_with_text("\"" + std::string(61, 'e') + "\xf0\x9f\x91\x8b\""), "text_too_long", ""},
               {say_with_text("\"" + std::string(65, 'e') + "\""), "text_too_long", ""},
               {say_with_text("\"nul\\u0000byte\""), "bad_text", ""},
               {say_with_text("\"\\u001b[2J\\u001b]0;pwned\\u0007\""), "bad_text", ""},
               {say_with_text("\"line1\\r\\nline2\""), "bad_text", ""},
               {say_with_text("\"hi\\r<admin> give pw\""), "bad_text", ""},
               {say_with_text("\"back\\bspace\""), "bad_text", ""},
               {say_with_text("\"del\\u007f\""), "bad_text", ""},
               {say_with_text("\"c1 \\u009b2J\""), "bad_text", ""},
               {"{\"type\":\"pm\",\"to\":\"witnessA\",\"text\":\"\"}", "empty_text", ""},
               {"{\"type\":\"pm\",\"to\":\"witnessA\",\"text\":\"\\u001b[31m\"}", "bad_text", ""},
               {"{\"type\":\"pm\",\"to\":\"nobody\",\"text\":\"x\"}", "no_such_nick", ""},
               {"{\"type\":\"say\",\"room\":\"#elsewhere\",\"text\":\"x\"}", "not_in_room", ""}},
              "text done");
}

TEST_CASE("hostile fields: topics with controls, invisible characters or too many bytes are refused") {
    chatd_process srv({"--rate", "0", "--max-errors", "1000", "--max-topic", "32"});
    witnesses w(srv);
    test_client c = srv.client();
    c.hello("topical");
    auto topic = [](const std::string& json_topic) {
        return "{\"type\":\"topic\",\"room\":\"#lobby\",\"topic\":" + json_topic + "}";
    };
    run_cases(c, w,
              {{topic("\"\\u001b]0;title\\u0007\""), "bad_topic", ""},
               {topic("\"two\\nlines\""), "bad_topic", ""},
               {topic("\"tab\\there\""), "bad_topic", ""},
               {topic("\"c1 \\u0085\""), "bad_topic", ""},
               {topic("\"rlo \\u202e\""), "bad_topic", ""},
               {topic("\"zw \\u200b\""), "bad_topic", ""},
               {topic("\"bom \\ufeff\""), "bad_topic", ""},
               {topic("\"" + std::string(33, 't') + "\""), "topic_too_long", ""}},
              "topic done");
    // The topic is still unset, and a clean one at the cap is accepted and announced.
    const std::string good(32, 'T');
    REQUIRE(c.send(json{{"type", "topic"}, {"room", "#lobby"}, {"topic", good}}));
    const json t = w.a().wait_for("topic");
    CHECK(t.value("topic", "") == good);
    CHECK(t.value("by", "") == "topical");
}

TEST_CASE("hostile fields: spoofing, homoglyph, bidi and control nicks are refused in hello and nick") {
    chatd_process srv(lenient);
    witnesses w(srv);
    const std::vector<std::string> bad{"",
                                       "-dash",
                                       ".dot",
                                       "two words",
                                       "tab\tnick",
                                       "nul\x00nick",
                                       "\x1b[31mred",
                                       "bell\x07",
                                       "adm\xe2\x80\xaenim",
                                       "zero\xe2\x80\x8bwidth",
                                       "\xd0\xb5van",
                                       "caf\xc3\xa9",
                                       "seventeen_chars_x",
                                       "*",
                                       "#room",
                                       "a:b",
                                       "SERVER",
                                       "system",
                                       "Admin",
                                       "chatd"};
    test_client c = srv.client();
    for (std::string nick : bad) {
        if (nick.rfind("nul", 0) == 0) nick = std::string("nul\0nick", 8);
        REQUIRE(c.send(json{{"type", "hello"}, {"version", 1}, {"nick", nick}}));
        const json e = c.wait_for([](const json& f) { return f.value("type", "") == "error"; },
                                  "an error for hello as " + json(nick).dump());
        CHECK_MESSAGE(e.value("code", "") == "invalid_nick", "hello as " << json(nick).dump() << " got " << e.dump());
    }
    // Taken case-insensitively.
    REQUIRE(c.send(json{{"type", "hello"}, {"version", 1}, {"nick", "WITNESSA"}}));
    c.wait_for_error("nick_in_use");
    CHECK_FALSE(c.peer_closed());
    c.hello("a_b-c.9");

    for (std::string nick : bad) {
        if (nick.rfind("nul", 0) == 0) nick = std::string("nul\0nick", 8);
        REQUIRE(c.send(json{{"type", "nick"}, {"nick", nick}}));
        const json e = c.wait_for([](const json& f) { return f.value("type", "") == "error"; },
                                  "an error for nick " + json(nick).dump());
        CHECK_MESSAGE(e.value("code", "") == "invalid_nick", "nick " << json(nick).dump() << " got " << e.dump());
    }
    // No nick change was announced: the witness's next frame from this user is its message.
    REQUIRE(c.say("#lobby", "still a_b-c.9"));
    const json next = w.a().wait_for(
        [](const json& f) {
            const std::string type = f.value("type", "");
            return type == "nick" || (type == "message" && f.value("from", "") == "a_b-c.9");
        },
        "the message from a_b-c.9");
    CHECK_MESSAGE(next.value("type", "") == "message", "a nick change was announced: " << next.dump());
    // Changing the case of one's own nick is allowed.
    REQUIRE(c.send(json{{"type", "nick"}, {"nick", "A_B-C.9"}}));
    const json changed = w.a().wait_for("nick");
    CHECK(changed.value("new", "") == "A_B-C.9");
    w.check_relay("after bad nicks");
}
