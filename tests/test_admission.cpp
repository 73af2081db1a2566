// The admission bound (--joins-per-turn): a crowd's hellos and joins are taken on a few per turn of
// the loop, in arrival order, while the frames of people already here go through in the turn they
// arrive. Real sessions on fake transports, driven handler by handler with io_context::poll_one()
// (no socket, no clock), so turns are counted exactly.
#include <doctest/doctest.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <asio.hpp>

#include "admission.hpp"
#include "deadlines.hpp"
#include "dispatcher.hpp"
#include "log.hpp"
#include "protocol.hpp"
#include "session.hpp"
#include "support/fake_transport.hpp"
#include "turn_end.hpp"

namespace {

using chat::test::fake_transport;
using chat::test::wire_record;

struct peer {
    std::shared_ptr<wire_record> rec = std::make_shared<wire_record>();
    fake_transport* wire = nullptr;
    std::shared_ptr<chat::session> s;

    // The frames this peer has been sent, decoded.
    std::vector<chat::json> frames() const {
        std::vector<chat::json> out;
        std::size_t at = 0;
        for (std::size_t nl; (nl = rec->sent.find('\n', at)) != std::string::npos; at = nl + 1) {
            out.push_back(chat::json::parse(rec->sent.substr(at, nl - at)));
        }
        return out;
    }
    // The `joined` frame for `room`, or null.
    chat::json joined(const std::string& room) const {
        for (const auto& f : frames()) {
            if (f.value("type", "") == "joined" && f.value("room", "") == room) return f;
        }
        return nullptr;
    }
};

chat::limits bounded(std::size_t per_turn, std::size_t writes_per_turn) {
    chat::limits l;
    l.rate = 0;
    l.notice_delay = std::chrono::milliseconds(0);  // every notice written in its turn: no timers
    l.joins_per_turn = per_turn;
    l.writes_per_turn = writes_per_turn;
    return l;
}

// What a server gives its sessions, with the admission bound wired in as server.cpp does.
struct rig {
    explicit rig(std::size_t per_turn, std::size_t writes_per_turn = 0)
        : lim(bounded(per_turn, writes_per_turn)), chat(lim, "0123456789abcdef") {
        chat.set_admission([a = admit.get()] { return a->may_start(); });
        turn->on_drained([a = admit.get()] { a->turn_over(); });
    }
    ~rig() {
        for (auto& p : peers) p.s->close_now();
        io.poll();
        turn->shut_down();
        admit->shut_down();
    }

    peer& connect() {
        peers.emplace_back();
        peer& p = peers.back();
        auto t = std::make_unique<fake_transport>(io, p.rec);
        p.wire = t.get();
        p.s = std::make_shared<chat::session>(std::move(t), ctx, "fake", nullptr);
        p.s->start();
        io.poll();
        return p;
    }
    // Runs handlers until one more turn has ended (its drain has run); false if the loop ran dry.
    bool one_turn() {
        const std::size_t before = turn->drains();
        while (turn->drains() == before) {
            if (io.poll_one() == 0) return false;
        }
        return true;
    }

    asio::io_context io;
    chat::limits lim;
    chat::dispatcher chat;
    chat::logger log{true, false};
    std::shared_ptr<chat::turn_end> turn =
        std::make_shared<chat::turn_end>(io.get_executor(), lim.notice_delay, lim.writes_per_turn);
    std::shared_ptr<chat::admission> admit = std::make_shared<chat::admission>(io.get_executor(), lim.joins_per_turn);
    std::uint64_t overflows = 0;
    chat::session_context ctx{chat, log, *turn, *admit, overflows};
    std::deque<peer> peers;
};

std::string hello(const std::string& nick) { return R"({"type":"hello","version":1,"nick":")" + nick + "\"}\n"; }
std::string join(const std::string& room) { return R"({"type":"join","room":")" + room + "\"}\n"; }
std::string say(const std::string& room, const std::string& text) {
    return R"({"type":"say","room":")" + room + R"(","text":")" + text + "\"}\n";
}

std::vector<std::string> members(const chat::json& joined) {
    std::vector<std::string> out;
    for (const auto& m : joined.at("members")) out.push_back(m.get<std::string>());
    return out;
}

// A crowd of `n` peers, each sending hello and a join of #crowd at once; returns them and runs
// the loop until it is idle.
void crowd(rig& r, int n) {
    std::vector<peer*> ps;
    for (int i = 0; i < n; ++i) ps.push_back(&r.connect());
    for (int i = 0; i < n; ++i) ps[static_cast<std::size_t>(i)]->wire->feed(hello("u" + std::to_string(i)) + join("#crowd"));
}

}  // namespace

TEST_CASE("admission: a crowd is taken on joins_per_turn hellos and joins a turn, in arrival order, nobody lost") {
    rig r(4);
    constexpr int n = 30;
    crowd(r, n);
    std::size_t turns = 0;
    while (r.one_turn()) {
        ++turns;
        REQUIRE(turns < 1000);
    }
    // 60 set-up frames at 4 a turn: at least 15 turns, and the bound held (some had to wait).
    CHECK(turns >= 15);
    CHECK(r.admit->deferred() > 0);
    CHECK(r.admit->waiting() == 0);
    for (int i = 0; i < n; ++i) {
        const peer& p = r.peers[static_cast<std::size_t>(i)];
        const auto fs = p.frames();
        REQUIRE_MESSAGE(!fs.empty(), "peer " << i << " was never answered");
        CHECK(fs.front().value("type", "") == "welcome");
        CHECK(fs.front().value("nick", "") == "u" + std::to_string(i));
        // First come, first served: the i-th to say hello finds the i before it in each room.
        const auto lobby = p.joined("#lobby");
        const auto room = p.joined("#crowd");
        REQUIRE(lobby.is_object());
        REQUIRE(room.is_object());
        CHECK(members(lobby).size() == static_cast<std::size_t>(i + 1));
        CHECK(members(room).size() == static_cast<std::size_t>(i + 1));
        CHECK(members(room).back() == "u" + std::to_string(i));
        // And it hears every later joiner of #crowd: n - 1 - i join notices there.
        std::size_t notices = 0;
        for (const auto& f : fs) notices += f.value("type", "") == "join" && f.value("room", "") == "#crowd";
        CHECK(notices == static_cast<std::size_t>(n - 1 - i));
    }
}

TEST_CASE("admission: the bound changes when a crowd's frames are handled, not what anyone is sent") {
    auto run = [](std::size_t per_turn) {
        rig r(per_turn);
        crowd(r, 25);
        while (r.one_turn()) {
        }
        std::vector<std::string> sent;
        // Timestamps differ from run to run; everything else must not.
        const std::regex ts(R"("ts":[0-9]+)");
        for (const auto& p : r.peers) sent.push_back(std::regex_replace(p.rec->sent, ts, "\"ts\":0"));
        return sent;
    };
    const auto unbounded = run(0);
    const auto bounded3 = run(3);
    REQUIRE(unbounded.size() == bounded3.size());
    for (std::size_t i = 0; i < unbounded.size(); ++i) CHECK(unbounded[i] == bounded3[i]);
}

TEST_CASE("admission: someone already in the room is heard in the turn it speaks, however many wait") {
    rig r(2);
    peer& old = r.connect();
    old.wire->feed(hello("old") + join("#crowd"));
    while (r.one_turn()) {
    }
    REQUIRE(old.joined("#crowd").is_object());
    crowd(r, 40);
    // Let the crowd's frames be read and most of them wait in line.
    REQUIRE(r.one_turn());
    REQUIRE(r.one_turn());
    CHECK(r.admit->waiting() > 30);
    for (int k = 0; k < 5; ++k) {
        const std::string text = "still here " + std::to_string(k);
        old.wire->feed(say("#crowd", text));
        // Within the next two turns (the one that reads it, at worst after one already begun) the
        // message is out: its echo reaches the sender while most of the crowd still waits.
        bool heard = false;
        for (int t = 0; t < 2 && !heard; ++t) {
            REQUIRE(r.one_turn());
            heard = old.rec->sent.find(text) != std::string::npos;
        }
        CHECK_MESSAGE(heard, "message " << k << " was not handled within two turns");
        CHECK(r.admit->waiting() > 0);
    }
    while (r.one_turn()) {
    }
    CHECK(r.admit->waiting() == 0);
    // Every waiting joiner got in, and the ones that joined before a message saw it.
    for (std::size_t i = 1; i < r.peers.size(); ++i) CHECK(r.peers[i].joined("#crowd").is_object());
}

TEST_CASE("admission: a peer that leaves while it waits in line is skipped; the rest get in") {
    rig r(1);
    crowd(r, 6);
    REQUIRE(r.one_turn());
    CHECK(r.admit->waiting() > 0);
    // Peer 3 hangs up while waiting; peer 4 closes by EOF while waiting.
    r.peers[3].s->close_now();
    r.peers[4].rec->eof = true;
    r.peers[4].wire->feed("");
    while (r.one_turn()) {
    }
    CHECK(r.admit->waiting() == 0);
    for (std::size_t i : {0u, 1u, 2u, 5u}) {
        const auto room = r.peers[i].joined("#crowd");
        REQUIRE_MESSAGE(room.is_object(), "peer " << i << " never joined");
    }
    // Peer 5 came after the two who left: they are not in the room it joined.
    CHECK(members(r.peers[5].joined("#crowd")) == std::vector<std::string>{"u0", "u1", "u2", "u5"});
    CHECK(r.chat.state().nick_count() == 4);
}

TEST_CASE("deadlines: a hello waiting in the admission line is not timed out; a refused one gets a fresh timeout") {
    chat::limits lim;
    const auto t0 = chat::deadlines::clock::now();
    chat::deadlines d(lim, t0);
    CHECK(d.next(false) == t0 + lim.hello_timeout);
    d.hello_waiting(true, t0);
    CHECK(d.next(false) == chat::deadlines::time_point::max());
    CHECK(d.on_due(t0 + 10 * lim.hello_timeout, false) == chat::deadlines::due::nothing);
    const auto t1 = t0 + 5 * lim.hello_timeout;
    d.hello_waiting(false, t1);
    CHECK(d.next(false) == t1 + lim.hello_timeout);
    CHECK(d.on_due(t1 + lim.hello_timeout, false) == chat::deadlines::due::hello_timeout);
}

TEST_CASE("writes per turn: the bound changes when clients are written, not what any client is sent") {
    std::size_t cut = 0;
    auto run = [&cut](std::size_t writes) {
        rig r(3, writes);
        crowd(r, 25);
        // Ten of them talk as soon as they are in: with the bound, the joins' notices and the
        // messages, to up to 25 members, are written 4 clients a turn, overlapping what comes next.
        for (int k = 0; k < 25; k += 3) r.peers[static_cast<std::size_t>(k)].wire->feed(say("#crowd", "m" + std::to_string(k)));
        while (r.one_turn()) {
        }
        cut = r.turn->cut_drains();
        std::vector<std::string> sent;
        const std::regex ts(R"("ts":[0-9]+)");
        for (const auto& p : r.peers) sent.push_back(std::regex_replace(p.rec->sent, ts, "\"ts\":0"));
        return sent;
    };
    const auto unbounded = run(0);
    CHECK(cut == 0);
    const auto bounded4 = run(4);
    CHECK(cut > 20);
    REQUIRE(unbounded.size() == bounded4.size());
    for (std::size_t i = 0; i < unbounded.size(); ++i) CHECK(unbounded[i] == bounded4[i]);
}
