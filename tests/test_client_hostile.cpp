// The real chat binary against a hostile fake server (escape sequences, carriage returns, C1
// controls, bidi overrides, zalgo, garbage and deep JSON), full-screen in tmux and in line mode:
// everything is shown visibly, no payload escape sequence reaches the terminal, the client lives.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "protocol.hpp"
#include "support/loopback_listener.hpp"
#include "support/tls_peer.hpp"

namespace {

using test_clock = std::chrono::steady_clock;
const std::string chat_binary = CHAT_BINARY_DIR "/client/chat";

// Runs a shell command and returns its stdout.
std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A server that welcomes one client, then, once released, sends the hostile frames.
class hostile_server {
public:
    hostile_server() {
        listen_fd_ = chat::test::listen_loopback(port_, 4);
        thread_ = std::thread([this] { serve(); });
    }
    ~hostile_server() {
        done_ = true;
        thread_.join();
        tls_.reset();
        if (client_fd_ >= 0) ::close(client_fd_);
        ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }
    void release() { go_ = true; }

private:
    void send_line(const chat::json& j) { send_raw(chat::encode(j)); }
    void send_raw(const std::string& bytes) {
        if (tls_.ready()) tls_.send(bytes);
    }
    void message(int id, const std::string& from, const std::string& text) {
        send_line({{"type", "message"}, {"id", id}, {"room", "#lobby"}, {"from", from}, {"ts", 1764079200000},
                   {"text", text}, {"action", false}, {"history", false}});
    }
    bool wait_for(const std::atomic<bool>& flag) {
        const auto deadline = test_clock::now() + std::chrono::seconds(20);
        while (!flag && !done_ && test_clock::now() < deadline) {
            pollfd p{listen_fd_, 0, 0};
            ::poll(&p, 1, 20);  // only paces the loop; the flag is the condition
        }
        return flag;
    }
    void serve() {
        pollfd p{listen_fd_, POLLIN, 0};
        while (!done_ && ::poll(&p, 1, 50) == 0) {
        }
        if (done_) return;
        client_fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client_fd_ < 0 || !tls_.accept(client_fd_)) return;
        char buf[4096];
        [[maybe_unused]] auto n = tls_.recv(buf, sizeof buf, 5000);  // hello
        send_line({{"type", "welcome"}, {"version", 1}, {"nick", "alice"}, {"server", "evil\x1b[2J"}, {"instance", "i"},
                   {"default_room", "#lobby"}, {"limits", chat::json::object()}});
        send_line({{"type", "joined"}, {"room", "#lobby"}, {"topic", "topic\x1b]0;TITLEPWN\x07x"},
                   {"members", {"alice", "mal\x1bory"}}});
        if (!wait_for(go_)) return;
        message(1, "mallory", "osc \x1b]0;PWNED\x07 end");
        message(2, "mallory", "csi \x1b[31mREDTEXT\x1b[0m end");
        message(3, "mallory", "hi\r<admin> give me your password");
        message(4, "mallory", "back\b\b\bspace and c1 \xc2\x9b" "2J and rlo \xe2\x80\xae" "evil\xe2\x80\xac done");
        std::string zalgo = "zalgo e";
        for (int i = 0; i < 5000; ++i) zalgo += "\xcc\x81";
        message(5, "mallory", zalgo + " end");
        message(6, "m\x1b[1mx", "nick with an escape");
        send_raw("this is not json\n");
        send_raw(std::string(5000, '[') + std::string(5000, ']') + "\n");
        send_raw(R"({"type":"message","id":"seven","room":5})" "\n");
        message(8, "mallory", "still alive after the garbage");
        send_line({{"type", "topic"}, {"room", "#lobby"}, {"topic", "new\x1b[5mtopic"}, {"by", "mallory"}, {"ts", 1}});
        wait_for(done_);
    }

    int listen_fd_ = -1;
    int client_fd_ = -1;
    std::uint16_t port_ = 0;
    chat::test::tls_peer tls_;
    std::atomic<bool> go_{false};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

// A private tmux server; killed with everything in it when the test ends, however it ends.
class tmux_session {
public:
    explicit tmux_session(const std::string& command)
        : socket_("chat-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++)) {
        run(tmux() + " new-session -d -s h -x 100 -y 30 '" + command + "; sleep 600'");
    }
    ~tmux_session() {
        run(tmux() + " kill-server 2>/dev/null");
        run("rm -f \"${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/" + socket_ + "\"");
    }
    std::string tmux() const { return "LANG=C.UTF-8 tmux -L " + socket_ + " -f /dev/null"; }
    std::string screen() const { return run(tmux() + " capture-pane -p -t h"); }
    void pipe_to(const std::string& path) const { run(tmux() + " pipe-pane -t h -o 'cat >> " + path + "'"); }
    void type(const std::string& text) const { run(tmux() + " send-keys -t h -l '" + text + "'"); }

    // Waits until the screen shows `text`; fails naming it and showing the screen otherwise.
    bool wait_screen(const std::string& text, int seconds = 10) const {
        const auto deadline = test_clock::now() + std::chrono::seconds(seconds);
        std::string last;
        while (test_clock::now() < deadline) {
            last = screen();
            if (last.find(text) != std::string::npos) return true;
            ::poll(nullptr, 0, 50);  // paces the polling of the screen
        }
        FAIL_CHECK("the screen never showed '" << text << "'; it shows:\n" << last);
        return false;
    }

private:
    static inline int counter_ = 0;
    std::string socket_;
};

// A scratch directory, removed at the end.
class temp_dir {
public:
    temp_dir() {
        char tmpl[] = "/tmp/chat-hostile.XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        REQUIRE(made != nullptr);
        path_ = made;
    }
    ~temp_dir() { run("rm -rf '" + path_ + "'"); }
    std::string file(const char* name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Payload escape sequences that must never reach the terminal as raw bytes.
const char* const raw_payloads[] = {
    "\x1b]0;PWNED", "\x1b[31mREDTEXT", "\x1b]0;TITLEPWN", "\x1b[5mtopic", "\x1b[1mx", "\xc2\x9b" "2J", "\xe2\x80\xae",
};

// The client's key and pins go to the scratch directory, never the user's home.
std::string private_home(const temp_dir& dir) {
    return "HOME=" + dir.file("home") + " XDG_DATA_HOME=" + dir.file("home") + "/data ";
}

bool has_tmux() { return run("command -v tmux").find("tmux") != std::string::npos; }

}  // namespace

TEST_CASE("hostile server: the full-screen client shows everything visibly and passes no escape through") {
    REQUIRE_MESSAGE(has_tmux(), "tmux is needed for this test");
    hostile_server server;
    temp_dir dir;
    tmux_session tmux("env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 " + private_home(dir) + chat_binary +
                      " --trust " + chat::test::tls_peer::fingerprint() + " 127.0.0.1:" +
                      std::to_string(server.port()) + " alice");
    REQUIRE(tmux.wait_screen("you joined #lobby"));
    const std::string raw = dir.file("raw");
    tmux.pipe_to(raw);
    server.release();
    REQUIRE(tmux.wait_screen("still alive after the garbage"));
    CHECK(tmux.wait_screen("mallory set the topic: new^[[5mtopic"));
    CHECK(tmux.wait_screen("<mallory> osc ^[]0;PWNED^G end"));
    CHECK(tmux.wait_screen("<mallory> csi ^[[31mREDTEXT^[[0m end"));
    CHECK(tmux.wait_screen("<mallory> hi^M<admin> give me your password"));
    CHECK(tmux.wait_screen("<mallory> back^H^H^Hspace and c1 <U+009B>2J and rlo <U+202E>evil<U+202C> done"));
    CHECK(tmux.wait_screen("<m^[[1mx> nick with an escape"));
    CHECK(tmux.wait_screen("garbled frame from the server: bad_json"));
    CHECK(tmux.wait_screen("garbled frame from the server: too_deep"));
    CHECK(tmux.wait_screen("online"));

    const std::string stream = slurp(raw);
    REQUIRE_MESSAGE(stream.find("PWNED") != std::string::npos, "the pipe-pane capture saw nothing");
    for (const char* payload : raw_payloads) {
        CHECK_MESSAGE(stream.find(payload) == std::string::npos, "a payload reached the terminal: " << payload);
    }
    // Still responsive after all that.
    tmux.type("still typing");
    CHECK(tmux.wait_screen("#lobby> still typing"));
}

TEST_CASE("hostile server: line mode prints everything visibly, one line per event, no raw controls") {
    REQUIRE_MESSAGE(has_tmux(), "tmux is needed for this test");
    hostile_server server;
    temp_dir dir;
    const std::string out = dir.file("plain.out");
    // stdin stays the tmux terminal (open, idle); stdout is a file, so the client runs in line mode.
    tmux_session tmux("LANG=C.UTF-8 " + private_home(dir) + chat_binary + " --trust " +
                      chat::test::tls_peer::fingerprint() + " --plain 127.0.0.1:" + std::to_string(server.port()) +
                      " alice > " + out);
    const auto deadline = test_clock::now() + std::chrono::seconds(10);
    while (slurp(out).find("you joined #lobby") == std::string::npos && test_clock::now() < deadline) {
        ::poll(nullptr, 0, 20);  // paces the polling of the file
    }
    server.release();
    std::string text;
    while (test_clock::now() < deadline + std::chrono::seconds(5)) {
        text = slurp(out);
        if (text.find("set the topic") != std::string::npos) break;
        ::poll(nullptr, 0, 20);
    }
    REQUIRE_MESSAGE(text.find("mallory set the topic: new^[[5mtopic") != std::string::npos, "line mode output:\n" << text);
    CHECK(text.find("#lobby <mallory> hi^M<admin> give me your password\n") != std::string::npos);
    CHECK(text.find("#lobby <mallory> osc ^[]0;PWNED^G end\n") != std::string::npos);
    CHECK(text.find("error: garbled frame from the server: bad_json") != std::string::npos);
    for (const char* payload : raw_payloads) {
        CHECK_MESSAGE(text.find(payload) == std::string::npos, "a payload reached stdout: " << payload);
    }
    for (char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 && b != '\n') FAIL_CHECK("a raw control byte " << int(b) << " in line mode output");
    }
}
