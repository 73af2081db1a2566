// TLS on chatd's port against the real binaries: a relay sees no message text, the server key is
// stable and printable, hostile TLS peers have defined outcomes (plaintext JSON is told, garbage and
// stalled handshakes are closed, a peer vanishing without close_notify is an ordinary quit), and
// --allow-keys admits exactly the listed keys. Plaintext witnesses on --plaintext-port prove the
// server still serves everyone else.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "fingerprint.hpp"
#include "support/chatd_process.hpp"
#include "support/loopback_listener.hpp"
#include "support/test_client.hpp"
#include "support/tls_peer.hpp"
#include "support/witness.hpp"

using namespace chat::test;
using chat::json;

namespace {

// A scratch directory, removed at the end.
class scratch {
public:
    scratch() {
        char tmpl[] = "/tmp/chat-tls.XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path_ = tmpl;
    }
    ~scratch() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string run(const std::string& cmd, int* status = nullptr) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int st = ::pclose(p);
    if (status != nullptr) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A TCP relay on loopback in front of `to`: one connection, both directions copied and recorded.
class relay {
public:
    explicit relay(std::uint16_t to) : to_(to) {
        listen_fd_ = listen_loopback(port_, 1);
        thread_ = std::thread([this] { pump(); });
    }
    ~relay() {
        done_ = true;
        if (thread_.joinable()) thread_.join();
        ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }
    // Everything that crossed, both ways (read after the relay stopped, or racy while it runs).
    std::string seen() {
        done_ = true;
        if (thread_.joinable()) thread_.join();
        return seen_;
    }
    // What the server sent so far (safe while the relay runs).
    std::string from_server() {
        const std::lock_guard<std::mutex> lock(mutex_);
        return from_server_;
    }

private:
    void pump() {
        pollfd lp{listen_fd_, POLLIN, 0};
        while (!done_ && ::poll(&lp, 1, 50) == 0) {
        }
        if (done_) return;
        const int a = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        const int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(to_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (a < 0 || ::connect(b, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
        pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        char buf[16384];
        while (!done_) {
            if (::poll(fds, 2, 50) <= 0) continue;
            for (int i = 0; i < 2; ++i) {
                if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
                const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
                if (n <= 0) {
                    done_ = true;
                    break;
                }
                seen_.append(buf, static_cast<std::size_t>(n));
                if (i == 1) {
                    const std::lock_guard<std::mutex> lock(mutex_);
                    from_server_.append(buf, static_cast<std::size_t>(n));
                }
                [[maybe_unused]] const ssize_t w = ::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL);
            }
        }
        ::close(a);
        ::close(b);
    }

    std::uint16_t to_;
    std::uint16_t port_ = 0;
    int listen_fd_ = -1;
    std::atomic<bool> done_{false};
    std::thread thread_;
    std::string seen_;
    std::mutex mutex_;
    std::string from_server_;
};

// Complete TLS records of application data (type 23; in TLS 1.3 every encrypted record says so)
// in a byte stream from its start.
int app_data_records(const std::string& wire) {
    int count = 0;
    std::size_t at = 0;
    while (at + 5 <= wire.size()) {
        const auto len = static_cast<std::size_t>((static_cast<unsigned char>(wire[at + 3]) << 8) |
                                                  static_cast<unsigned char>(wire[at + 4]));
        if (at + 5 + len > wire.size()) break;
        if (static_cast<unsigned char>(wire[at]) == 23) ++count;
        at += 5 + len;
    }
    return count;
}

// Registers a TLS client and returns its welcome (null json if refused).
json tls_hello(tls_client& c, const std::string& nick) {
    c.send(json{{"type", "hello"}, {"version", 1}, {"nick", nick}});
    while (auto l = c.line()) {
        auto r = chat::decode(*l, 16);
        if (r && (r.value->type == "welcome" || r.value->type == "error")) {
            return r.value->type == "welcome" ? r.value->body : json();
        }
    }
    return json();
}

// A raw TCP connection that sends `bytes` and reports the first frame that came back (null if
// none) and whether the server then closed.
struct raw_result {
    bool closed = false;
    json reply;
};
raw_result raw_exchange(std::uint16_t port, const std::string& bytes, test_clock::time_point deadline) {
    test_client c("127.0.0.1", port);
    raw_result r;
    if (!bytes.empty()) REQUIRE(c.send_raw(bytes));
    if (auto f = c.next_frame(deadline)) r.reply = *f;
    r.closed = c.is_closed(deadline);
    return r;
}

// Sends `bytes` on a plain socket and reads until the server closes: what came back, or nullopt
// if it was still open at the deadline.
std::optional<std::string> bytes_until_closed(std::uint16_t port, const std::string& bytes,
                                              test_clock::time_point deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
    std::string got;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, poll_timeout(deadline)) != 1) {
            ::close(fd);
            return std::nullopt;
        }
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return got;
}

}  // namespace

TEST_CASE("tls: a relay between client and server sees no message text, the other side reads it") {
    chatd_process srv({"--rate", "0"});
    test_client bob = srv.client();  // plaintext, on --plaintext-port
    bob.hello("bob");
    relay spy(srv.tls_port());
    tls_client alice(spy.port());
    REQUIRE_MESSAGE(alice.handshaken(), "no TLS handshake through the relay");
    REQUIRE(!tls_hello(alice, "alice").is_null());
    const std::string secret = "the vault code is swordfish-7351";
    REQUIRE(alice.send(json{{"type", "say"}, {"room", "#lobby"}, {"text", secret}}));
    expect_next_message(bob, "alice", secret);
    const std::string wire = spy.seen();
    CHECK(wire.size() > 500);  // the handshake and the frames did cross
    CHECK(wire.find("swordfish") == std::string::npos);
    CHECK(wire.find("alice") == std::string::npos);
    CHECK(wire.find("\"type\"") == std::string::npos);
}

TEST_CASE("tls: the server picks TLS_AES_128_GCM_SHA256, though OpenSSL's client lists AES-256 first") {
    chatd_process srv({"--rate", "0"});
    tls_client alice(srv.tls_port());
    REQUIRE(alice.handshaken());
    CHECK(alice.cipher() == "TLS_AES_128_GCM_SHA256");
    // A client that offers only another suite still gets it.
    tls_client only_chacha(srv.tls_port(), nullptr, 5000, 0, "TLS_CHACHA20_POLY1305_SHA256");
    CHECK(only_chacha.handshaken());
    CHECK(only_chacha.cipher() == "TLS_CHACHA20_POLY1305_SHA256");
}

TEST_CASE("tls: the frames of one turn for a client leave in one TLS record, not one per frame") {
    chatd_process srv({"--rate", "0"});
    relay spy(srv.tls_port());
    tls_client alice(spy.port());
    REQUIRE_MESSAGE(alice.handshaken(), "no TLS handshake through the relay");
    REQUIRE(!tls_hello(alice, "alice").is_null());
    // A round trip, so everything the server had to say before is through the relay.
    REQUIRE(alice.send(json{{"type", "ping"}, {"token", 1}}));
    REQUIRE(!alice.wait_for("pong").is_null());
    const int before = app_data_records(spy.from_server());
    REQUIRE(before > 0);
    // 20 says in one record: one read, one turn, 20 echoes (about 4 KiB) for alice.
    constexpr int says = 20;
    std::string burst;
    for (int i = 0; i < says; ++i) {
        burst += chat::encode(json{{"type", "say"}, {"room", "#lobby"}, {"text", "burst line " + std::to_string(i)}});
    }
    REQUIRE(alice.send(burst));
    int echoes = 0;
    while (echoes < says) {
        const json m = alice.wait_for("message");
        REQUIRE_MESSAGE(!m.is_null(), "only " << echoes << " of " << says << " echoes came back");
        ++echoes;
    }
    CHECK(app_data_records(spy.from_server()) - before == 1);
}

namespace {

// alice over TLS with a tiny receive window (the server's records wait in her socket and in the
// transport), bob in plaintext saying things to #lobby.
struct slow_tls_reader {
    slow_tls_reader() {
        REQUIRE(alice.handshaken());
        REQUIRE(!tls_hello(alice, "alice").is_null());
        bob.hello("bob");
    }
    // alice gets bob's `count` messages, each once and in order: text_of(i) is the i-th.
    template <class Text>
    void expect_in_order(int count, Text text_of) {
        for (int i = 0; i < count; ++i) {
            const json m = alice.wait_for("message");
            REQUIRE_MESSAGE(!m.is_null(), "message " << i << " of " << count << " never came");
            REQUIRE(m.value("from", "") == "bob");
            REQUIRE(m.value("text", "") == text_of(i));
        }
    }
    chatd_process srv{{"--rate", "0", "--sendq", "16777216"}};
    tls_client alice{srv.tls_port(), nullptr, 10000, 4096};
    test_client bob = srv.client();
};

std::string say_line(const std::string& text) {
    return chat::encode(json{{"type", "say"}, {"room", "#lobby"}, {"text", text}});
}

}  // namespace

TEST_CASE("tls: a client that reads slowly gets every message, in order, through the server's held records") {
    // Part of a batch sent, the rest held: nothing may be lost, doubled or reordered.
    slow_tls_reader t;
    constexpr int count = 3000;
    const std::string pad(900, 'x');
    auto text_of = [&](int i) { return "n" + std::to_string(i) + " " + pad; };
    std::string burst;
    for (int i = 0; i < count; ++i) burst += say_line(text_of(i));
    REQUIRE(t.bob.send_raw(burst));  // ~2.8 MB for alice, far beyond what her socket holds
    t.expect_in_order(count, text_of);
}

TEST_CASE("tls: a slow reader of short messages, written one record at a time, gets every one in order") {
    // Short lines one by one: alice's gathers are often one record or less, which OpenSSL writes
    // to the socket itself and keeps, part sent, when her window is full.
    slow_tls_reader t;
    constexpr int count = 4000;
    auto text_of = [](int i) { return "s" + std::to_string(i); };
    for (int i = 0; i < count; ++i) REQUIRE(t.bob.send_raw(say_line(text_of(i))));
    t.expect_in_order(count, text_of);
}

TEST_CASE("tls: the server key is made once (0600), survives restarts, and --fingerprint prints it") {
    scratch dir;
    std::string first;
    {
        chatd_process srv({"--state-dir", dir.path()});
        tls_client c(srv.tls_port());
        REQUIRE(c.handshaken());
        first = c.server_key();
        CHECK(chat::is_fingerprint(first));
        srv.wait_for_log("(server key " + first + ")");
    }
    struct stat st{};
    REQUIRE(::stat((dir / "server.pem").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    int status = -1;
    const std::string printed = run(chatd_process::binary() + " --fingerprint --state-dir " + dir.path(), &status);
    CHECK(status == 0);
    CHECK(printed == first + "\n");
    chatd_process again({"--state-dir", dir.path()});
    tls_client c(again.tls_port());
    REQUIRE(c.handshaken());
    CHECK(c.server_key() == first);
}

TEST_CASE("tls: a key file others can read, or one that is not a key, stops chatd with a reason") {
    scratch dir;
    { chatd_process srv({"--state-dir", dir.path()}); }
    REQUIRE(::chmod((dir / "server.pem").c_str(), 0644) == 0);
    int status = -1;
    std::string out = run(chatd_process::binary() + " --state-dir " + dir.path() + " --port 0 2>&1", &status);
    CHECK(status == 1);
    CHECK(out.find("chmod 600") != std::string::npos);
    std::ofstream(dir / "server.pem") << "not a key\n";
    REQUIRE(::chmod((dir / "server.pem").c_str(), 0600) == 0);
    out = run(chatd_process::binary() + " --state-dir " + dir.path() + " --port 0 2>&1", &status);
    CHECK(status == 1);
    CHECK(out.find("holds no private key") != std::string::npos);
    CHECK(slurp(dir / "server.pem") == "not a key\n");  // never replaced behind the operator's back
}

TEST_CASE("tls hostile: plaintext JSON on the TLS port is told in one line it can read, then closed") {
    chatd_process srv(std::vector<std::string>{"--rate", "0"});
    witnesses w(srv);
    const auto r = raw_exchange(srv.tls_port(), R"({"type":"hello","version":1,"nick":"oldbot"})" "\n",
                                deadline_in(5s));
    CHECK(r.closed);
    CHECK(r.reply.value("code", "") == "tls_required");
    srv.wait_for_log("plaintext JSON on the TLS port");
    w.check_relay("after plaintext on the TLS port");
}

TEST_CASE("tls hostile: garbage, an oversized record and a truncated ClientHello are closed at once") {
    chatd_process srv(std::vector<std::string>{"--rate", "0", "--hello-timeout", "20"});
    witnesses w(srv);
    // Not TLS at all: closed without a word (nothing a reader could use).
    auto r = bytes_until_closed(srv.tls_port(), "GET / HTTP/1.1\r\n\r\n", deadline_in(3s));
    REQUIRE_MESSAGE(r, "an HTTP request on the TLS port was not closed");
    CHECK(r->empty());
    // A handshake record claiming 65535 bytes (more than TLS allows): refused with an alert, closed.
    r = bytes_until_closed(srv.tls_port(), std::string("\x16\x03\x01\xff\xff", 5) + std::string(2000, 'A'),
                           deadline_in(3s));
    CHECK_MESSAGE(r, "an oversized record was not closed");
    // A ClientHello that is garbage inside a well-formed record header.
    r = bytes_until_closed(srv.tls_port(), std::string("\x16\x03\x01\x00\x40", 5) + std::string(64, '\x5a'),
                           deadline_in(3s));
    CHECK_MESSAGE(r, "a garbage ClientHello was not closed");
    srv.wait_for_log("handshake failed: TLS handshake");
    w.check_relay("after broken TLS");
}

TEST_CASE("tls hostile: a stalled handshake counts against --hello-timeout") {
    chatd_process srv(std::vector<std::string>{"--rate", "0", "--hello-timeout", "0.5"});
    witnesses w(srv);
    test_client silent("127.0.0.1", srv.tls_port());  // connects and says nothing
    test_client half("127.0.0.1", srv.tls_port());    // begins a record and stops
    REQUIRE(half.send_raw(std::string("\x16\x03\x01\x02\x00\x01", 6)));
    const auto started = test_clock::now();
    CHECK(silent.is_closed(deadline_in(5s)));
    CHECK(half.is_closed(deadline_in(5s)));
    CHECK(test_clock::now() - started < 3s);  // at the hello deadline, not after a linger
    srv.wait_for_log("handshake timeout");
    w.check_relay("after stalled handshakes");
}

TEST_CASE("tls hostile: a client that vanishes without close_notify is an ordinary quit") {
    chatd_process srv(std::vector<std::string>{"--rate", "0"});
    test_client bob = srv.client();
    bob.hello("bob");
    {
        tls_client ghost(srv.tls_port());
        REQUIRE(!tls_hello(ghost, "ghost").is_null());
        bob.wait_for([](const json& f) { return f.value("type", "") == "join" && f.value("nick", "") == "ghost"; },
                     "ghost joining");
    }  // the socket closes without a TLS close_notify
    const json q = bob.wait_for([](const json& f) { return f.value("type", "") == "quit"; }, "ghost's quit");
    CHECK(q.value("nick", "") == "ghost");
    srv.wait_for_log("disconnect");
    CHECK(srv.output().find("TLS read") == std::string::npos);  // not logged as a TLS failure
}

TEST_CASE("tls: --allow-keys admits exactly the listed keys; an empty or missing list admits nobody") {
    scratch dir;
    const auto alice_id = *chat::tls::make_identity("chat").value;
    const auto mallory_id = *chat::tls::make_identity("chat").value;
    std::ofstream(dir / "allowed") << "# who may talk here\n" << alice_id.fingerprint << " alice's laptop\nnot-a-key\n";
    {
        chatd_process srv({"--allow-keys", dir / "allowed", "--rate", "0"});
        tls_client alice(srv.tls_port(), &alice_id);
        CHECK(!tls_hello(alice, "alice").is_null());
        tls_client mallory(srv.tls_port(), &mallory_id);
        const json e = mallory.wait_for("error");
        CHECK(e.value("code", "") == "key_not_allowed");
        CHECK(e.value("message", "").find(mallory_id.fingerprint) != std::string::npos);
        CHECK(!mallory.line());  // and closed
        tls_client anonymous(srv.tls_port());
        CHECK(anonymous.wait_for("error").value("code", "") == "key_not_allowed");
        srv.wait_for_log("is not in --allow-keys");
        srv.wait_for_log("line 3 is not a SHA256");
    }
    std::ofstream(dir / "allowed") << "# nobody yet\n";
    {
        chatd_process srv({"--allow-keys", dir / "allowed"});
        srv.wait_for_log("lists no key: nobody can connect");
        tls_client alice(srv.tls_port(), &alice_id);
        CHECK(alice.wait_for("error").value("code", "") == "key_not_allowed");
    }
    int status = -1;
    const std::string out = run(chatd_process::binary() + " --port 0 --state-dir " + dir.path() +
                                    " --allow-keys " + (dir / "missing") + " 2>&1",
                                &status);
    CHECK(status == 1);
    CHECK(out.find("cannot read --allow-keys") != std::string::npos);
}

TEST_CASE("tls_identity: a nick is owned by the first key across reconnects and restarts; others get nick_owned") {
    scratch dir;
    const auto alice_id = *chat::tls::make_identity("chat").value;
    const auto mallory_id = *chat::tls::make_identity("chat").value;
    // Another key, or none, asking for alice's nick while she is offline.
    auto others_refused = [&](std::uint16_t port) {
        for (const chat::tls::identity* id : {&mallory_id, static_cast<const chat::tls::identity*>(nullptr)}) {
            tls_client other(port, id);
            REQUIRE(other.handshaken());
            other.send(json{{"type", "hello"}, {"version", 1}, {"nick", "Alice"}});
            CHECK(other.wait_for("error").value("code", "") == "nick_owned");
        }
    };
    {
        chatd_process srv({"--state-dir", dir.path(), "--rate", "0"});
        {
            tls_client alice(srv.tls_port(), &alice_id);
            const json w = tls_hello(alice, "alice");
            REQUIRE(!w.is_null());
            const auto features = w.value("features", json::array());
            CHECK(std::find(features.begin(), features.end(), "tls_identity") != features.end());
        }
        others_refused(srv.tls_port());
    }
    // After a restart, before alice is back: still hers; then her key gets it again.
    chatd_process srv({"--state-dir", dir.path(), "--rate", "0"});
    others_refused(srv.tls_port());
    tls_client alice(srv.tls_port(), &alice_id);
    CHECK(!tls_hello(alice, "ALICE").is_null());
}

TEST_CASE("offline_pm: a pm to alice while she is offline is kept across a restart and delivered once, at her next login") {
    scratch dir;
    const auto alice_id = *chat::tls::make_identity("chat").value;
    // The pms alice gets after her welcome up to the pong of a ping sent after hello (whatever the
    // login delivers comes before it); then she quits.
    auto login = [&](std::uint16_t port) {
        tls_client alice(port, &alice_id);
        REQUIRE(!tls_hello(alice, "alice").is_null());
        alice.send(json{{"type", "ping"}, {"token", "end"}});
        std::vector<json> pms;
        while (auto l = alice.line()) {
            auto r = chat::decode(*l, 16);
            REQUIRE(r);
            if (r.value->type == "pm") pms.push_back(r.value->body);
            if (r.value->type != "pong") continue;
            // Gone for sure (the server closes after a quit) before anyone writes to her again.
            alice.send(json{{"type", "quit"}});
            while (alice.line()) {
            }
            return pms;
        }
        FAIL("alice never got her pong");
        return pms;
    };
    json echo;
    {
        chatd_process srv({"--state-dir", dir.path(), "--rate", "0"});
        CHECK(login(srv.tls_port()).empty());  // alice's key now owns alice; she leaves
        tls_client bob(srv.tls_port());       // a bot with plain TLS and no key
        REQUIRE(!tls_hello(bob, "bob").is_null());
        bob.send(json{{"type", "pm"}, {"to", "alice"}, {"text", "the build is green"}});
        echo = bob.wait_for("pm");
        CHECK(echo.value("offline", false));
        bob.send(json{{"type", "pm"}, {"to", "nobody"}, {"text", "hello?"}});
        CHECK(bob.wait_for("error").value("code", "") == "no_such_nick");
    }
    chatd_process srv({"--state-dir", dir.path(), "--rate", "0"});
    const auto got = login(srv.tls_port());
    REQUIRE(got.size() == 1);
    CHECK(got[0].value("offline", false));
    CHECK(got[0].value("text", "") == "the build is green");
    CHECK(got[0].value("from", "") == "bob");
    CHECK(got[0]["id"] == echo["id"]);
    CHECK(got[0]["ts"] == echo["ts"]);
    CHECK(login(srv.tls_port()).empty());  // once only
}

TEST_CASE("chatd nicks: list and release on a stopped chatd's state directory; refused while a chatd uses it") {
    scratch dir;
    const auto alice_id = *chat::tls::make_identity("chat").value;
    const auto mallory_id = *chat::tls::make_identity("chat").value;
    const std::string nicks = chatd_process::binary() + " nicks --state-dir " + dir.path();
    int status = -1;
    {
        chatd_process srv({"--state-dir", dir.path(), "--rate", "0"});
        {
            tls_client alice(srv.tls_port(), &alice_id);
            REQUIRE(!tls_hello(alice, "Alice").is_null());
            alice.send(json{{"type", "quit"}});
            while (alice.line()) {
            }
        }
        tls_client bob(srv.tls_port());
        REQUIRE(!tls_hello(bob, "bob").is_null());
        bob.send(json{{"type", "pm"}, {"to", "alice"}, {"text", "only for alice"}});
        CHECK(bob.wait_for("pm").value("offline", false));
        // While this chatd holds the directory: refused, with its pid, and nothing changes.
        const std::string out = run(nicks + " release alice 2>&1", &status);
        CHECK(status == 1);
        CHECK(out.find("a chatd (pid ") != std::string::npos);
        CHECK(out.find("stop it first") != std::string::npos);
    }
    std::string out = run(nicks + " list 2>&1", &status);
    CHECK(status == 0);
    CHECK(out.find("NICK") == 0);
    CHECK(out.find("Alice  " + alice_id.fingerprint) != std::string::npos);
    CHECK(out.find("  1\n") != std::string::npos);  // one pm waiting
    out = run(nicks + " release nobody 2>&1", &status);
    CHECK(status == 1);
    CHECK(out.find("nobody owns nobody") != std::string::npos);
    out = run(nicks + " release ALICE 2>&1", &status);
    CHECK(status == 0);
    CHECK(out == "released Alice (owned by " + alice_id.fingerprint +
                     "); 1 pm waiting for it was deleted; 1 stored pm of its conversations no longer shown to whoever holds it next\n");
    out = run(nicks + " list 2>&1", &status);
    CHECK(out == "no nick is owned in " + dir.path() + "\n");
    out = run(nicks + " frobnicate 2>&1", &status);
    CHECK(status == 2);
    CHECK(out.find("usage: chatd nicks") != std::string::npos);
    out = run(chatd_process::binary() + " nicks --state-dir " + (dir / "nothing-here") + " list 2>&1", &status);
    CHECK(status == 1);
    CHECK(out.find("no chatd store in") != std::string::npos);
    // Released: another key takes the nick, and the pm written to alice's key is not its to read.
    chatd_process srv({"--state-dir", dir.path(), "--rate", "0"});
    tls_client mallory(srv.tls_port(), &mallory_id);
    REQUIRE(!tls_hello(mallory, "alice").is_null());
    mallory.send(json{{"type", "ping"}, {"token", "end"}});
    while (auto l = mallory.line()) {
        auto r = chat::decode(*l, 16);
        REQUIRE(r);
        CHECK(r.value->type != "pm");
        if (r.value->type == "pong") break;
    }
    // Nor may it page or search alice's stored conversations; bob, the other side, still finds his.
    mallory.send(json{{"type", "history"}, {"nick", "bob"}});
    const json page = mallory.wait_for("history");
    REQUIRE(page.contains("messages"));
    CHECK(page["messages"].empty());
    mallory.send(json{{"type", "search"}, {"words", "only for alice"}});
    CHECK(mallory.wait_for("search")["results"].empty());
    tls_client bob(srv.tls_port());
    REQUIRE(!tls_hello(bob, "bob").is_null());
    bob.send(json{{"type", "search"}, {"words", "only for alice"}});
    const json found = bob.wait_for("search");
    REQUIRE(found["results"].size() == 1);
    CHECK(found["results"][0].value("text", "") == "only for alice");
}

TEST_CASE("--password-file: hello must carry the password; it lets in exactly who it should, with and without --allow-keys") {
    scratch dir;
    const auto alice_id = *chat::tls::make_identity("chat").value;
    const auto mallory_id = *chat::tls::make_identity("chat").value;
    std::ofstream(dir / "password") << "correct horse\n";
    ::chmod((dir / "password").c_str(), 0600);
    std::ofstream(dir / "allowed") << alice_id.fingerprint << "\n";
    // The first answer to a hello with `password` (none when null) and whether the server then closed.
    int tries = 0;
    auto try_hello = [&tries](tls_client& c, const json& password) {
        json hello{{"type", "hello"}, {"version", 1}, {"nick", "p" + std::to_string(++tries)}};
        if (!password.is_null()) hello["password"] = password;
        c.send(hello);
        json first;
        while (auto l = c.line()) {
            auto r = chat::decode(*l, 16);
            if (r && (r.value->type == "welcome" || r.value->type == "error")) {
                first = r.value->body;
                break;
            }
        }
        return first;
    };
    auto closed = [](tls_client& c) {
        while (c.line()) {
        }
        return true;  // line() ends at the end of the stream (or the 5 s socket timeout, failing below)
    };
    {
        chatd_process srv({"--password-file", dir / "password", "--allow-keys", dir / "allowed", "--rate", "0"});
        tls_client ok(srv.tls_port(), &alice_id);
        CHECK(try_hello(ok, "correct horse").value("type", "") == "welcome");
        tls_client wrong(srv.tls_port(), &alice_id);
        const json e = try_hello(wrong, "correct hors");
        CHECK(e.value("code", "") == "bad_password");
        CHECK(closed(wrong));
        tls_client none(srv.tls_port(), &alice_id);
        CHECK(try_hello(none, json()).value("code", "") == "password_required");
        tls_client empty(srv.tls_port(), &alice_id);
        CHECK(try_hello(empty, "").value("code", "") == "password_required");
        tls_client typed(srv.tls_port(), &alice_id);
        CHECK(try_hello(typed, 42).value("code", "") == "bad_frame");
        // The right password does not open the door for a key --allow-keys does not list.
        tls_client mallory(srv.tls_port(), &mallory_id);
        CHECK(mallory.wait_for("error").value("code", "") == "key_not_allowed");
        srv.wait_for_log("wrong password");
    }
    {
        chatd_process srv({"--password-file", dir / "password", "--rate", "0"});
        tls_client keyless(srv.tls_port());
        CHECK(try_hello(keyless, "correct horse").value("type", "") == "welcome");
        tls_client guess(srv.tls_port(), &mallory_id);
        CHECK(try_hello(guess, "Correct horse").value("code", "") == "bad_password");
        // The plaintext listener asks for it too.
        test_client plain("127.0.0.1", srv.port());
        REQUIRE(plain.send_raw(R"({"type":"hello","version":1,"nick":"old"})" "\n"));
        const auto f = plain.next_frame(deadline_in(5s));
        REQUIRE(f);
        CHECK(f->value("code", "") == "password_required");
        CHECK(plain.is_closed(deadline_in(5s)));
        test_client plain_ok("127.0.0.1", srv.port());
        REQUIRE(plain_ok.send_raw(R"({"type":"hello","version":1,"nick":"old2","password":"correct horse"})" "\n"));
        const auto w = plain_ok.next_frame(deadline_in(5s));
        REQUIRE(w);
        CHECK(w->value("type", "") == "welcome");
    }
    // Fail closed: an empty or unreadable file stops chatd at start.
    std::ofstream(dir / "empty") << "\n";
    int status = -1;
    std::string out = run(chatd_process::binary() + " --port 0 --no-store --state-dir " + dir.path() + " --password-file " +
                              (dir / "empty") + " 2>&1",
                          &status);
    CHECK(status == 1);
    CHECK(out.find("holds no password") != std::string::npos);
    out = run(chatd_process::binary() + " --port 0 --no-store --state-dir " + dir.path() + " --password-file " +
                  (dir / "missing") + " 2>&1",
              &status);
    CHECK(status == 1);
    CHECK(out.find("cannot read --password-file") != std::string::npos);
}
