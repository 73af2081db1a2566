// Preloaded into `chat` by an end-to-end test (LD_PRELOAD) to stand for a name server that does not
// answer: getaddrinfo() touches the file named by SLOW_RESOLVER_MARK, so the test knows the lookup
// has begun, then blocks for 60 s, as a real lookup can, and fails. Nothing can interrupt it.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

extern "C" int getaddrinfo(const char*, const char*, const addrinfo*, addrinfo**) {
    if (const char* mark = std::getenv("SLOW_RESOLVER_MARK")) {
        const int fd = ::open(mark, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0) ::close(fd);
    }
    // A signal may land on this thread; like the real resolver, carry on waiting after it.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) ::poll(nullptr, 0, 1000);
    return EAI_AGAIN;
}
