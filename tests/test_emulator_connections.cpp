// Keep-alive connections each hold one of the emulator's server workers for as long as they
// stay open. With httplib's default pool (8 workers on 2 cores) a client with 16 requests in
// flight had 8 TLS handshakes wait for its 10 s connect timeout: the 11 s plans of the first
// benchmark run (docs/benchmarks.md, "Findings").
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

using emutest::Emu;

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

}  // TEST_SUITE
