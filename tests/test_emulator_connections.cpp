// Keep-alive connections each hold one of the emulator's server workers for as long as they
// stay open. With httplib's default pool (8 workers on 2 cores) a client with 16 requests in
// flight had 8 TLS handshakes wait for its 10 s connect timeout: the 11 s plans of the first
// benchmark run (docs/benchmarks.md, "Findings").
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

using emutest::Emu;
using emutest::Json;

TEST_SUITE("emulator") {

TEST_CASE("emulator: 40 open keep-alive connections do not starve the next one") {
    Emu e;
    std::vector<std::unique_ptr<httplib::SSLClient>> clients;
    for (int i = 0; i < 41; ++i) {
        auto c = e.make_client();
        c->set_connection_timeout(5);  // a starved handshake fails here instead of waiting
        c->set_read_timeout(5);
        auto res = c->Get("/subscriptions/" + e.sub() + "?api-version=2022-12-01", e.auth());
        REQUIRE_MESSAGE(res, "connection " << i << " was not served: " << httplib::to_string(res.error()));
        CHECK(res->status == 200);
        clients.push_back(std::move(c));  // stays open, holding its worker
    }
}

// Writing to a connection the client closed raises SIGPIPE, which kills a process that neither
// blocks nor ignores it. The emulator survives a client that hangs up mid-response: httplib's
// Server constructor sets SIGPIPE to SIG_IGN for the whole process, and its writer checks that
// the peer is alive before each write and stops after a short one (strace: 3 MB of a 10 MB body
// sent, then nothing). This test keeps that so with the default disposition restored: the
// client hangs up while a large response is being written (the server blocked in send, the
// connection half-closed, then reset).
TEST_CASE("emulator: a client that hangs up mid-response does not kill the process with SIGPIPE") {
    emulator::Options o;
    o.tls = false;  // plain sockets: the raw client below needs no TLS
    Emu e(o);
    httplib::Client plain("127.0.0.1", e.emu.port());
    plain.set_read_timeout(60);
    plain.set_write_timeout(60);
    const std::string group = e.rg_path("rg-big") + "?api-version=2021-04-01";
    // Larger than the socket buffers on both sides (loopback: at most 4 MiB to send).
    const Json big = {{"location", "westeurope"}, {"tags", {{"big", std::string(10 << 20, 'x')}}}};
    auto created = plain.Put(group, e.auth(), big.dump(), "application/json");
    REQUIRE(created);
    REQUIRE(created->status / 100 == 2);
    struct DefaultSigpipe {
        void (*previous)(int) = std::signal(SIGPIPE, SIG_DFL);
        ~DefaultSigpipe() { std::signal(SIGPIPE, previous); }
    } default_sigpipe;
    const std::string request = "GET " + group + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                e.token + "\r\n\r\n";
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    const int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(e.emu.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    char first[16];
    REQUIRE(::recv(fd, first, sizeof(first), 0) > 0);  // the response is being written
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server blocks in send
    ::shutdown(fd, SHUT_WR);                                       // half-closed (CLOSE_WAIT there)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::close(fd);  // unread data: a reset, and the blocked send fails with EPIPE
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto res = plain.Get("/subscriptions/" + e.sub() + "?api-version=2022-12-01", e.auth());
    REQUIRE(res);
    CHECK(res->status == 200);
}

}  // TEST_SUITE
