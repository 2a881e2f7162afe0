#include "fakes.hpp"

#include "converge/arm_client.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace converge::testing;
using namespace std::chrono_literals;

namespace {
const std::string k_rg = "/subscriptions/sub1/resourceGroups/rg1";

Json rg_body() { return Json{{"id", k_rg}, {"name", "rg1"}, {"location", "westeurope"}}; }
}  // namespace

TEST_SUITE("client") {
TEST_CASE("get builds the URL, sends the token and returns the body") {
    ClientHarness h;
    h.transport->on("GET", "/resourceGroups/rg1", json_response(200, rg_body(), {{"x-ms-request-id", "r-1"}}));
    auto body = h.client->get(k_rg, "2021-04-01");
    REQUIRE(body);
    CHECK((*body)["name"] == "rg1");
    auto sent = h.transport->requests();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].url == "https://arm.test/subscriptions/sub1/resourceGroups/rg1?api-version=2021-04-01");
    CHECK(sent[0].headers.get("authorization") == "Bearer tok-SECRET-123");
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].to_string() ==
          "GET /subscriptions/sub1/resourceGroups/rg1?api-version=2021-04-01 -> 200 (0 ms) request-id=r-1");
    CHECK(h.client->stats().reads == 1);
}

TEST_CASE("a 404 is distinguishable: get errors with is_not_found, find returns nullopt") {
    ClientHarness h;
    h.transport->on("GET", "rg1", json_response(404, {{"error", {{"code", "ResourceGroupNotFound"}, {"message", "gone"}}}},
                                                {{"x-ms-request-id", "r-404"}}));
    auto body = h.client->get(k_rg, "2021-04-01");
    REQUIRE_FALSE(body);
    CHECK(body.error().is_not_found());
    CHECK(body.error().code == "ResourceGroupNotFound");
    CHECK(body.error().request_id == "r-404");
    CHECK_FALSE(body.error().retryable);
    auto found = h.client->find(k_rg, "2021-04-01");
    REQUIRE(found);
    CHECK_FALSE(found->has_value());
    h.transport->on("HEAD", "rg1", json_response(404));
    auto exists = h.client->head(k_rg, "2021-04-01");
    REQUIRE(exists);
    CHECK_FALSE(*exists);
}

TEST_CASE("5xx and 429 are retried with backoff and Retry-After; one request per attempt") {
    ClientHarness h;
    h.transport->on("GET", "rg1", json_response(503));
    h.transport->on("GET", "rg1", json_response(429, {{"error", {{"code", "TooManyRequests"}, {"message", "slow"}}}},
                                                {{"Retry-After", "7"}}));
    h.transport->on("GET", "rg1", failure(TransportError::reset));
    h.transport->on("GET", "rg1", json_response(200, rg_body()));
    auto body = h.client->get(k_rg, "2021-04-01");
    REQUIRE(body);
    CHECK(h.transport->count("GET") == 4);
    const auto sleeps = h.clock->sleeps();
    // backoff(1)=250ms (0.5 of 500ms), Retry-After 7s, then pacing waits for the paused read
    // bucket (40 ms), then backoff(3)=1s.
    REQUIRE(sleeps.size() == 4);
    CHECK(sleeps[0] == 250ms);
    CHECK(sleeps[1] == 7s);
    CHECK(sleeps[2] == 40ms);
    CHECK(sleeps[3] == 1s);
    CHECK(h.client->stats().retries == 3);
    CHECK(h.client->stats().throttled == 1);
    CHECK(h.events.back().attempt == 4);
}

TEST_CASE("retries are bounded by max attempts and report the last error as retryable") {
    ClientOptions options;
    options.retry.max_attempts = 3;
    ClientHarness h(options);
    h.transport->on("GET", "rg1", json_response(500, {{"error", {{"code", "InternalServerError"}, {"message", "oops"}}}}));
    auto body = h.client->get(k_rg, "2021-04-01");
    REQUIRE_FALSE(body);
    CHECK(body.error().status == 500);
    CHECK(body.error().retryable);
    CHECK(h.transport->count("GET") == 3);
}

TEST_CASE("retries stop when the total wait budget is spent") {
    ClientOptions options;
    options.retry.max_total = 5s;
    ClientHarness h(options);
    h.transport->on("GET", "rg1", json_response(429, nullptr, {{"Retry-After", "4"}}));
    auto body = h.client->get(k_rg, "2021-04-01");
    REQUIRE_FALSE(body);
    CHECK(body.error().status == 429);
    CHECK(h.transport->count("GET") == 2);  // 4 s waited once; another 4 s would exceed 5 s
}

TEST_CASE("POST is retried on 5xx only when marked idempotent; 429 and connect failures always") {
    ClientHarness h;
    h.transport->on("POST", "listKeys", json_response(503));
    h.transport->on("POST", "listKeys", json_response(200, {{"k", 1}}));
    auto once = h.client->post(k_rg + "/listKeys", "1", nullptr);
    REQUIRE_FALSE(once);
    CHECK(h.transport->count("POST") == 1);
    CallOptions idempotent;
    idempotent.idempotent = true;
    auto twice = h.client->post(k_rg + "/listKeys", "1", nullptr, idempotent);
    REQUIRE(twice);
    ClientHarness h2;
    h2.transport->on("POST", "action", failure(TransportError::connect));
    h2.transport->on("POST", "action", json_response(429, nullptr, {{"Retry-After", "1"}}));
    h2.transport->on("POST", "action", failure(TransportError::reset));
    auto result = h2.client->post(k_rg + "/action", "1", Json{{"a", 1}});
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ApiErrorKind::transport);
    CHECK(h2.transport->count("POST") == 3);  // connect, 429 retried; reset after sending is not
}

TEST_CASE("a 401 refreshes the token once") {
    struct Counting : TokenCredential {
        int n = 0;
        std::string name() const override { return "counting"; }
        tl::expected<AccessToken, AuthError> get_token(const std::string&) override {
            return AccessToken{"token-" + std::to_string(++n), 0};
        }
    };
    auto credential = std::make_shared<Counting>();
    ClientHarness h({}, credential);
    h.transport->on("GET", "rg1", json_response(401, {{"error", {{"code", "ExpiredAuthenticationToken"}, {"message", "x"}}}}));
    h.transport->on("GET", "rg1", json_response(200, rg_body()));
    REQUIRE(h.client->get(k_rg, "1"));
    auto sent = h.transport->requests();
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].headers.get("Authorization") == "Bearer token-1");
    CHECK(sent[1].headers.get("Authorization") == "Bearer token-2");
    CHECK(h.client->stats().auth_refreshes == 1);

    ClientHarness always({}, std::make_shared<Counting>());
    always.transport->on("GET", "rg1", json_response(401, {{"error", {{"code", "InvalidAuthenticationToken"}, {"message", "no"}}}}));
    auto denied = always.client->get(k_rg, "1");
    REQUIRE_FALSE(denied);
    CHECK(denied.error().status == 401);
    CHECK(always.transport->count("GET") == 2);  // refreshed once, not forever
}

TEST_CASE("list follows nextLink across empty pages until it is absent or null") {
    ClientHarness h;
    const std::string base = "https://arm.test/subscriptions/sub1/resourcegroups";
    h.transport->on("GET", "skiptoken=3", json_response(200, {{"value", {{{"name", "c"}}}}, {"nextLink", nullptr}}));
    h.transport->on("GET", "skiptoken=2", json_response(200, {{"value", Json::array()}, {"nextLink", base + "?api-version=1&$skiptoken=3"}}));
    h.transport->on("GET", "api-version=1", json_response(200, {{"value", {{{"name", "a"}}, {{"name", "b"}}}},
                                                                {"nextLink", base + "?api-version=1&$skiptoken=2"}}));
    auto items = h.client->list("/subscriptions/sub1/resourcegroups", "1");
    REQUIRE(items);
    REQUIRE(items->size() == 3);
    CHECK((*items)[2]["name"] == "c");
    CHECK(h.transport->count("GET") == 3);
}

TEST_CASE("list rejects a nextLink loop instead of spinning") {
    ClientHarness h;
    h.transport->on("GET", "x", json_response(200, {{"value", Json::array()}, {"nextLink", "https://arm.test/x?api-version=1"}}));
    auto items = h.client->list("/x", "1");
    REQUIRE_FALSE(items);
    CHECK(items.error().kind == ApiErrorKind::decode);
}

TEST_CASE("absolute URLs go to other hosts with the audience asked for, unpaced") {
    struct Audiences : TokenCredential {
        std::vector<std::string> seen;
        std::string name() const override { return "audiences"; }
        tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override {
            seen.push_back(audience);
            return AccessToken{"t-" + std::to_string(seen.size()), 0};
        }
    };
    auto credential = std::make_shared<Audiences>();
    ClientHarness h({}, credential);
    h.transport->on("GET", "westeurope.api.azureml.ms", json_response(200, {{"ok", true}}));
    CallOptions ml;
    ml.audience = "https://ml.azure.com";
    REQUIRE(h.client->get("https://westeurope.api.azureml.ms/discovery", "", ml));
    REQUIRE(h.client->get("https://westeurope.api.azureml.ms/discovery", "", ml));
    CHECK(credential->seen == std::vector<std::string>{"https://ml.azure.com"});  // cached per audience
    CHECK(h.events[0].path == "https://westeurope.api.azureml.ms/discovery");
}

TEST_CASE("no bearer token over plain http except to loopback") {
    ClientHarness h;
    auto r = h.client->get("http://example.test/x", "1");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ApiErrorKind::config);
    CHECK(h.transport->count("*") == 0);
    h.transport->on("GET", "127.0.0.1", json_response(200, {{"ok", true}}));
    CHECK(h.client->get("http://127.0.0.1:8080/x", "1"));
}

TEST_CASE("tokens and secret query values never reach events or errors") {
    ClientHarness h;
    h.transport->on("GET", "sig=", json_response(400, {{"error", {{"code", "Bad"}, {"message", "token tok-SECRET-123 rejected"}}}}));
    auto r = h.client->get("/subscriptions/sub1/x?sig=SASVALUE", "1");
    REQUIRE_FALSE(r);
    const std::string text = r.error().to_string();
    CHECK(text.find("tok-SECRET-123") == std::string::npos);
    CHECK(text.find("SASVALUE") == std::string::npos);
    CHECK(text.find("REDACTED") != std::string::npos);
    for (const auto& e : h.events) {
        CHECK(e.to_string().find("SASVALUE") == std::string::npos);
        CHECK(e.to_string().find("tok-SECRET") == std::string::npos);
    }
}

TEST_CASE("an unavailable credential chain is an auth error naming the credentials") {
    auto chain = std::make_shared<ChainedCredential>(std::vector<std::unique_ptr<TokenCredential>>{});
    ClientHarness h({}, chain);
    auto r = h.client->get(k_rg, "1");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ApiErrorKind::auth);
    CHECK(r.error().to_string().find("no credential available") != std::string::npos);
    CHECK(h.transport->count("*") == 0);
}

TEST_CASE("pacing spreads a burst of writes over the write bucket without any 429") {
    ClientOptions options;
    options.pacing.writes = BucketRate{5, 10};
    ClientHarness h(options);
    h.transport->on("PUT", "/tags/", json_response(200, {{"properties", {{"provisioningState", "Succeeded"}}}}));
    for (int i = 0; i < 25; ++i) {
        REQUIRE(h.client->put(k_rg + "/tags/t" + std::to_string(i), "1", Json{{"a", i}}));
    }
    // 5 at once, then 20 more at 10 per second.
    CHECK(h.clock->slept() >= 1990ms);
    CHECK(h.clock->slept() <= 2010ms);
    CHECK(h.client->stats().writes == 25);
}
}
