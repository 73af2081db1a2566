// The single doctest runner for every unit and integration test.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <clocale>
#include <csignal>

int main(int argc, char** argv) {
    // wcwidth needs a UTF-8 locale; tests must not die of SIGPIPE when a peer is closed.
    std::setlocale(LC_ALL, "C.UTF-8");
    std::signal(SIGPIPE, SIG_IGN);
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
