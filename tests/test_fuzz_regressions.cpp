// Inputs the fuzz targets (fuzz/, docs/reliability.md "Fuzzing") found to crash, replayed
// in-process. The raw fuzz inputs are in tests/data/fuzz/crashes/ (scripts/fuzz also uses them
// as seeds), with the request or text each one boils down to beside it.
#include "platform/dispatch.hpp"
#include "platform/services.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

std::string crash_file(const std::string& name) {
    std::ifstream in(std::string(CONVERGE_TEST_DATA) + "/fuzz/crashes/" + name, std::ios::binary);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_SUITE("emulator") {

TEST_CASE("fuzz regression: a request path that is not UTF-8 gets an error response, not an abort") {
    // fuzz_emulator: the tenant of GET /{tenant}/v2.0/.well-known/openid-configuration was echoed
    // in the AADSTS90002 message, and serialising it threw (std::terminate in-process).
    auto svc = emulator::open_in_process({});
    emulator::Request req;
    req.method = "GET";
    req.path = crash_file("emulator/openid-tenant-not-utf8.path");
    req.remote_addr = "127.0.0.1";
    const auto response = emulator::dispatch(*svc, req);
    CHECK(response.status == 400);
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["error"] == "invalid_tenant");
    CHECK(body["error_description"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
}

}  // TEST_SUITE
