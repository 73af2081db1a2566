#include "discovery_dnssd.hpp"

#if CHAT_HAVE_AVAHI

#include <sys/time.h>
#include <unistd.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/watch.h>

#include "utf8.hpp"

// Avahi declares these opaque and lets each main loop define them: here, asio objects on the one
// server thread. A callback may free its own watch or timeout, so handlers hold the state alive
// and check `dead` before touching anything.
struct AvahiWatch {
    struct core {
        asio::posix::stream_descriptor fd;
        int raw;
        AvahiWatchEvent wanted;
        AvahiWatchEvent happened = static_cast<AvahiWatchEvent>(0);
        AvahiWatchCallback callback;
        void* userdata;
        AvahiWatch* self = nullptr;
        bool dead = false;
        bool read_armed = false;
        bool write_armed = false;
    };
    std::shared_ptr<core> c;
};

struct AvahiTimeout {
    struct core {
        asio::steady_timer timer;
        AvahiTimeoutCallback callback;
        void* userdata;
        AvahiTimeout* self = nullptr;
        std::uint64_t generation = 0;  // bumped by every update: older expiries are stale
        bool dead = false;
    };
    std::shared_ptr<core> c;
};

namespace chat {

namespace {

asio::io_context& io_of(const AvahiPoll* api) { return *static_cast<asio::io_context*>(api->userdata); }

void arm(const std::shared_ptr<AvahiWatch::core>& c) {
    auto on = [c](AvahiWatchEvent ev, bool& armed) {
        return [c, ev, &armed](const asio::error_code& ec) {
            armed = false;
            if (c->dead || ec) return;
            if ((c->wanted & ev) != 0) {
                c->happened = ev;
                c->callback(c->self, c->raw, ev, c->userdata);
                if (c->dead) return;
                c->happened = static_cast<AvahiWatchEvent>(0);
            }
            arm(c);
        };
    };
    if ((c->wanted & AVAHI_WATCH_IN) != 0 && !c->read_armed) {
        c->read_armed = true;
        c->fd.async_wait(asio::posix::descriptor_base::wait_read, on(AVAHI_WATCH_IN, c->read_armed));
    }
    if ((c->wanted & AVAHI_WATCH_OUT) != 0 && !c->write_armed) {
        c->write_armed = true;
        c->fd.async_wait(asio::posix::descriptor_base::wait_write, on(AVAHI_WATCH_OUT, c->write_armed));
    }
}

AvahiWatch* watch_new(const AvahiPoll* api, int fd, AvahiWatchEvent event, AvahiWatchCallback cb, void* userdata) {
    // A duplicate, so closing ours never closes Avahi's.
    const int mine = ::dup(fd);
    if (mine < 0) return nullptr;
    auto* w = new AvahiWatch;
    w->c = std::make_shared<AvahiWatch::core>(
        AvahiWatch::core{asio::posix::stream_descriptor(io_of(api), mine), fd, event, {}, cb, userdata});
    w->c->self = w;
    arm(w->c);
    return w;
}

void watch_update(AvahiWatch* w, AvahiWatchEvent event) {
    w->c->wanted = event;
    arm(w->c);
}

AvahiWatchEvent watch_get_events(AvahiWatch* w) { return w->c->happened; }

void watch_free(AvahiWatch* w) {
    w->c->dead = true;
    asio::error_code ec;
    w->c->fd.close(ec);  // cancels the waits; their handlers see `dead`
    delete w;
}

void timeout_set(const std::shared_ptr<AvahiTimeout::core>& c, const timeval* tv) {
    const std::uint64_t gen = ++c->generation;
    c->timer.cancel();
    if (tv == nullptr) return;
    timeval now{};
    ::gettimeofday(&now, nullptr);
    const long long us = (static_cast<long long>(tv->tv_sec) - now.tv_sec) * 1'000'000 + (tv->tv_usec - now.tv_usec);
    c->timer.expires_after(std::chrono::microseconds(us > 0 ? us : 0));
    c->timer.async_wait([c, gen](const asio::error_code& ec) {
        if (ec || c->dead || c->generation != gen) return;
        c->callback(c->self, c->userdata);
    });
}

AvahiTimeout* timeout_new(const AvahiPoll* api, const timeval* tv, AvahiTimeoutCallback cb, void* userdata) {
    auto* t = new AvahiTimeout;
    t->c = std::make_shared<AvahiTimeout::core>(AvahiTimeout::core{asio::steady_timer(io_of(api)), cb, userdata});
    t->c->self = t;
    timeout_set(t->c, tv);
    return t;
}

void timeout_update(AvahiTimeout* t, const timeval* tv) { timeout_set(t->c, tv); }

void timeout_free(AvahiTimeout* t) {
    t->c->dead = true;
    t->c->timer.cancel();
    delete t;
}

}  // namespace

struct dnssd_publisher::state {
    const logger& log;
    AvahiPoll poll{};
    AvahiClient* client = nullptr;
    AvahiEntryGroup* group = nullptr;
    std::string name;
    std::uint16_t port = 0;
    std::string fingerprint;
    bool said_waiting = false;
    // Expires with the state: a posted reconnect must not outlive it.
    std::shared_ptr<int> alive = std::make_shared<int>(0);

    explicit state(asio::io_context& io, const logger& l) : log(l) {
        poll.userdata = &io;
        poll.watch_new = watch_new;
        poll.watch_update = watch_update;
        poll.watch_get_events = watch_get_events;
        poll.watch_free = watch_free;
        poll.timeout_new = timeout_new;
        poll.timeout_update = timeout_update;
        poll.timeout_free = timeout_free;
    }
    ~state() {
        // Frees the entry group too (and with it the published service).
        if (client != nullptr) avahi_client_free(client);
    }

    // A fresh client after the daemon was lost; the old one is freed with its entry group.
    void reconnect() {
        if (client != nullptr) avahi_client_free(client);
        client = nullptr;
        group = nullptr;
        int error = 0;
        client = avahi_client_new(&poll, AVAHI_CLIENT_NO_FAIL, on_client, this, &error);
        if (client == nullptr) {
            log.info(std::string("dns-sd: cannot reach avahi-daemon again (") + avahi_strerror(error) +
                     "); UDP discovery still answers");
        }
    }

    void next_name() {
        char* alt = avahi_alternative_service_name(name.c_str());
        log.info("dns-sd: the name \"" + logger::field(name) + "\" is taken on this network; trying \"" +
                 logger::field(alt) + "\"");
        name = alt;
        avahi_free(alt);
    }

    void publish(AvahiClient* c) {
        if (group == nullptr) group = avahi_entry_group_new(c, on_group, this);
        if (group == nullptr) {
            log.info(std::string("dns-sd: not published: ") + avahi_strerror(avahi_client_errno(c)));
            return;
        }
        if (!avahi_entry_group_is_empty(group)) return;
        for (;;) {
            const std::string fp = "fp=" + fingerprint;
            const int err = avahi_entry_group_add_service(group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                                          static_cast<AvahiPublishFlags>(0), name.c_str(), "_chatd._tcp",
                                                          nullptr, nullptr, port, "version=1",
                                                          fingerprint.empty() ? nullptr : fp.c_str(), nullptr);
            if (err == AVAHI_ERR_COLLISION) {
                next_name();
                continue;
            }
            if (err < 0 || (avahi_entry_group_commit(group)) < 0) {
                log.info(std::string("dns-sd: not published: ") + avahi_strerror(avahi_client_errno(c)));
                avahi_entry_group_reset(group);
            }
            return;
        }
    }

    static void on_group(AvahiEntryGroup* g, AvahiEntryGroupState st, void* self) {
        auto& s = *static_cast<state*>(self);
        s.group = g;
        if (st == AVAHI_ENTRY_GROUP_ESTABLISHED) {
            s.log.info("dns-sd: published \"" + logger::field(s.name) + "\" as _chatd._tcp port " +
                       std::to_string(s.port));
        } else if (st == AVAHI_ENTRY_GROUP_COLLISION) {
            s.next_name();
            avahi_entry_group_reset(g);
            s.publish(avahi_entry_group_get_client(g));
        } else if (st == AVAHI_ENTRY_GROUP_FAILURE) {
            s.log.info(std::string("dns-sd: publishing failed: ") +
                       avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
        }
    }

    static void on_client(AvahiClient* c, AvahiClientState st, void* self) {
        auto& s = *static_cast<state*>(self);
        switch (st) {
            case AVAHI_CLIENT_S_RUNNING:
                s.said_waiting = false;
                s.publish(c);
                break;
            case AVAHI_CLIENT_S_COLLISION:
            case AVAHI_CLIENT_S_REGISTERING:
                // The host name changed or collided: publish again once the daemon is running.
                if (s.group != nullptr) avahi_entry_group_reset(s.group);
                break;
            case AVAHI_CLIENT_CONNECTING:
                if (!s.said_waiting) {
                    s.log.info("dns-sd: avahi-daemon is not running; publishing _chatd._tcp when it starts "
                               "(UDP discovery answers meanwhile)");
                }
                s.said_waiting = true;
                break;
            case AVAHI_CLIENT_FAILURE: {
                const int err = avahi_client_errno(c);
                if (err != AVAHI_ERR_DISCONNECTED) {
                    s.log.info(std::string("dns-sd: lost avahi-daemon: ") + avahi_strerror(err) +
                               "; UDP discovery still answers");
                    break;
                }
                // The daemon went away (a restart, an upgrade): a new client waits for it and
                // publishes again. Not from inside the old client's own callback.
                s.log.info("dns-sd: avahi-daemon went away; publishing again when it is back (UDP discovery still answers)");
                s.said_waiting = true;
                std::weak_ptr<int> alive = s.alive;
                state* self_state = &s;
                asio::post(*static_cast<asio::io_context*>(s.poll.userdata), [alive, self_state] {
                    if (!alive.expired()) self_state->reconnect();
                });
                break;
            }
        }
    }
};

dnssd_publisher::dnssd_publisher(asio::io_context& io, const logger& log) : io_(io), log_(log) {}

dnssd_publisher::~dnssd_publisher() { stop(); }

void dnssd_publisher::start(const std::string& name, std::uint16_t port, const std::string& fingerprint) {
    state_ = std::make_unique<state>(io_, log_);
    // A DNS label holds 63 bytes; cut on a character boundary.
    std::string label = name;
    while (label.size() > 63) label.resize(utf8::prev_boundary(label, label.size()));
    state_->name = label;
    state_->port = port;
    state_->fingerprint = fingerprint;
    int error = 0;
    state_->client = avahi_client_new(&state_->poll, AVAHI_CLIENT_NO_FAIL, state::on_client, state_.get(), &error);
    if (state_->client == nullptr) {
        log_.info(std::string("dns-sd: not published (") + avahi_strerror(error) +
                  "); UDP discovery answers, avahi-browse will not list this server");
        state_.reset();
    }
}

void dnssd_publisher::stop() { state_.reset(); }

}  // namespace chat

#else  // built without libavahi-client

namespace chat {

struct dnssd_publisher::state {};

dnssd_publisher::dnssd_publisher(asio::io_context& io, const logger& log) : io_(io), log_(log) {}
dnssd_publisher::~dnssd_publisher() = default;

void dnssd_publisher::start(const std::string&, std::uint16_t, const std::string&) {
    log_.info("dns-sd: built without libavahi-client; UDP discovery answers, avahi-browse will not list this server");
}

void dnssd_publisher::stop() {}

}  // namespace chat

#endif
