#include "fakes.hpp"

#include "converge/arm_client.hpp"

#include <doctest/doctest.h>

#include <atomic>

using namespace converge;
using namespace converge::testing;

namespace {

// Counts fetches; fails every one when `fail` is set.
class CountingCredential final : public TokenCredential {
public:
    explicit CountingCredential(bool fail) : m_fail(fail) {}
    std::string name() const override { return "counting"; }
    tl::expected<AccessToken, AuthError> get_token(const std::string&) override {
        ++fetches;
        if (m_fail) {
            return tl::unexpected(AuthError{"counting", "invalid_client", "bad secret", false, false});
        }
        return AccessToken{"tok-SECRET-123", 0};
    }
    std::atomic<int> fetches{0};

private:
    bool m_fail;
};

}  // namespace

TEST_SUITE("client") {
TEST_CASE("warm_up fetches the token once and opens connections without a token or a subscription") {
    auto credential = std::make_shared<CountingCredential>(false);
    ClientHarness h({}, credential);
    h.transport->on("GET", "/metadata/endpoints", json_response(200, Json::object()));
    h.transport->on("GET", "/resourceGroups/rg1", json_response(200, Json{{"name", "rg1"}}));
    h.client->warm_up(4);
    CHECK(credential->fetches == 1);
    const auto sent = h.transport->requests();
    REQUIRE(sent.size() == 5);  // one that seeds the TLS session cache, then 4 at once
    for (const auto& r : sent) {
        CHECK(r.url == "https://arm.test/metadata/endpoints?api-version=2022-09-01");
        CHECK_FALSE(r.headers.has("Authorization"));
    }
    REQUIRE(h.client->get("/subscriptions/sub1/resourceGroups/rg1", "2021-04-01"));
    CHECK(credential->fetches == 1);  // the first call uses the warmed token
}

TEST_CASE("warm_up ignores a failing credential: the first call meets and reports the error") {
    auto credential = std::make_shared<CountingCredential>(true);
    ClientHarness h({}, credential);
    h.transport->on("GET", "/metadata/endpoints", json_response(200, Json::object()));
    h.client->warm_up(2);
    CHECK(credential->fetches == 1);
    const auto got = h.client->get("/subscriptions/sub1/resourceGroups/rg1", "2021-04-01");
    REQUIRE_FALSE(got);
    CHECK(got.error().kind == ApiErrorKind::auth);
    CHECK(got.error().code == "invalid_client");
}
}
