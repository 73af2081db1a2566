// Preloaded into `chat` by an end-to-end test (LD_PRELOAD) to stand for a name server that stops
// answering: getaddrinfo() touches the file named by SLOW_RESOLVER_MARK, so the test knows a lookup
// has begun, then blocks for 60 s, as a real lookup can, and fails. With SLOW_RESOLVER_PASS=N the
// first N lookups go to the real getaddrinfo, so a client can connect before the name server dies.
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>

namespace {

std::atomic<long> lookups{0};

}  // namespace

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
    const char* pass = std::getenv("SLOW_RESOLVER_PASS");
    if (pass != nullptr && lookups.fetch_add(1) < std::atol(pass)) {
        using real_fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
        const auto real = reinterpret_cast<real_fn>(::dlsym(RTLD_NEXT, "getaddrinfo"));
        if (real != nullptr) return real(node, service, hints, res);
    }
    if (const char* mark = std::getenv("SLOW_RESOLVER_MARK")) {
        const int fd = ::open(mark, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0) ::close(fd);
    }
    // A signal may land on this thread; like the real resolver, carry on waiting after it.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) ::poll(nullptr, 0, 1000);
    return EAI_AGAIN;
}
