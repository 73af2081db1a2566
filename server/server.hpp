// The whole chatd: listeners, admission control, sessions and the chat core on one io_context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/context.hpp>

#include "dispatcher.hpp"
#include "heap_trim.hpp"
#include "listener.hpp"
#include "log.hpp"
#include "options.hpp"
#include "session.hpp"
#include "turn_end.hpp"
#include "transport_tls.hpp"

namespace chat {

class server {
public:
    // Counts of what the limits turned away, for tests and the log.
    struct counters {
        std::uint64_t accepted = 0;
        std::uint64_t refused_full = 0;
        std::uint64_t refused_per_ip = 0;
        std::uint64_t sendq_overflows = 0;  // clients cut off because their send queue passed --sendq
    };

    // Everything runs on `io` from one thread. max_clients is clamped to the open-file limit here.
    // Opens the message store; throws std::runtime_error when another chatd holds its directory.
    server(asio::io_context& io, options opts);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Loads (or makes) the server key when TLS is on, binds every address and starts accepting.
    // Throws std::system_error (with the address in what()) when an address cannot be bound, and
    // std::runtime_error when the key or an --allow-keys/--password-file file cannot be used.
    void start();

    // The server key's fingerprint, "SHA256:..." (what clients pin and discovery announces); ""
    // when TLS is off.
    const std::string& fingerprint() const { return fingerprint_; }
    // Where the server listens, each with whether it speaks TLS.
    struct bound {
        asio::ip::tcp::endpoint at;
        bool tls = false;
    };
    std::vector<bound> listening() const;

    // Logs what start-up adjusted (a lowered max_clients); called once "listening on" is printed.
    void log_startup_notes() const;

    // Where the server listens, with ephemeral ports resolved.
    std::vector<asio::ip::tcp::endpoint> endpoints() const;
    std::uint16_t port() const;

    // Graceful stop: stop accepting, send every client a shutdown frame, flush for at most
    // shutdown_grace, close what is left, then call `done` (on the io_context). Idempotent.
    void stop(std::function<void()> done = {});
    bool stopped() const { return finished_; }

    // Runs `hook` at the end of every turn of the event loop that queued output (or asked for it with
    // request_turn_end()), BEFORE that output is written to any client: e.g. a store's group commit
    // of the turn's messages. See turn_end::on_end.
    void on_turn_end(std::function<void()> hook) { turn_->on_end(std::move(hook)); }
    // Makes this turn end with the hooks even if no client gets output.
    void request_turn_end() { turn_->request(); }
    const turn_end& turn() const { return *turn_; }
    const admission& admitting() const { return *admit_; }

    std::size_t session_count() const { return sessions_.size(); }
    const dispatcher& chat() const { return chat_; }
    const limits& bounds() const { return opts_.lim; }
    const counters& stats() const { return stats_; }

private:
    void admit(io_socket socket, bool tls);
    void load_tls();
    void load_password();
    void listen_on(const std::vector<asio::ip::tcp::endpoint>& where, bool tls);
    void turn_away(io_socket socket, const char* code, const std::string& message);
    // `from_ip`: the entry of per_ip_ that counts this session.
    void on_closed(session& s, std::map<std::string, std::size_t>::iterator from_ip);
    void finish();
    asio::awaitable<void> grace();
    // Store upkeep (pruning, retrying a failed disk) in small steps between other work.
    void arm_store_timer(std::chrono::milliseconds after);

    asio::io_context& io_;
    options opts_;
    std::string startup_note_;
    logger log_;
    dispatcher chat_;
    counters stats_;
    // Shared with its posted drain, which may outlive the server in the io_context's queue.
    std::shared_ptr<turn_end> turn_;
    // Shared with its posted serve, like turn_.
    std::shared_ptr<admission> admit_;
    session_context sessions_ctx_;
    // The dispatcher's notice rounds (dispatcher::journal_notices), run by turn_ at most the notice
    // delay after a notice was journaled, or with the turn when there is no delay.
    struct notice_rounds final : turn_writer {
        explicit notice_rounds(dispatcher& d) : chat(d) {}
        void flush_turn() override { chat.notice_round(); }
        dispatcher& chat;
    };
    notice_rounds rounds_{chat_};
    std::vector<std::shared_ptr<listener>> listeners_;
    std::vector<bool> listener_tls_;  // per listener
    std::optional<asio::ssl::context> tls_ctx_;
    tls_settings tls_;
    std::string fingerprint_;
    std::unordered_map<session*, std::shared_ptr<session>> sessions_;
    std::map<std::string, std::size_t> per_ip_;
    asio::steady_timer grace_timer_;
    asio::steady_timer store_timer_;
    heap_trim heap_trim_;
    std::function<void()> done_;
    // Shared with refusals, which may outlive the server in coroutine frames.
    std::shared_ptr<std::size_t> refusals_lingering_ = std::make_shared<std::size_t>(0);
    bool stopping_ = false;
    bool finished_ = false;
};

}  // namespace chat
