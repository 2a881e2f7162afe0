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
    CHECK(denied.error().kind == ApiErrorKind::auth);
    CHECK(denied.error().credential == "counting");
    CHECK(denied.error().message.find("the token for audience https://management.azure.com was refreshed and rejected again") !=
          std::string::npos);
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
    CHECK(items.error().message.find("nextLink cycle: page 1") != std::string::npos);
    CHECK(h.transport->count("GET") == 1);
}

TEST_CASE("list remembers every nextLink: a cycle of two pages ends too") {
    ClientHarness h;
    h.transport->on("GET", "p=2", json_response(200, {{"value", {{{"n", 2}}}}, {"nextLink", "https://arm.test/x?api-version=1&p=1"}}));
    h.transport->on("GET", "p=1", json_response(200, {{"value", {{{"n", 1}}}}, {"nextLink", "https://arm.test/x?api-version=1&p=2"}}));
    h.transport->on("GET", "x", json_response(200, {{"value", {{{"n", 0}}}}, {"nextLink", "https://arm.test/x?api-version=1&p=1"}}));
    auto items = h.client->list("/x", "1");
    REQUIRE_FALSE(items);
    CHECK(items.error().path == "/x?api-version=1");
    CHECK(items.error().message.find("nextLink cycle: page 3") != std::string::npos);
    CHECK(h.transport->count("GET") == 3);
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

TEST_CASE("no request over plain http except to loopback, and no https -> http downgrade") {
    ClientHarness h;
    auto r = h.client->get("http://example.test/x", "1");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ApiErrorKind::config);
    CHECK(h.transport->count("*") == 0);
    // ARM is https: a plain-http URL, even on loopback, is a downgrade and is refused.
    auto down = h.client->get("http://127.0.0.1:8080/x", "1");
    REQUIRE_FALSE(down);
    CHECK(down.error().message.find("https -> http downgrade") != std::string::npos);
    CHECK(h.transport->count("*") == 0);
    // A Location that downgrades ends the operation without following it.
    h.transport->on("DELETE", "rg1", json_response(202, nullptr, {{"Location", "http://127.0.0.1:8080/op"}, {"Retry-After", "0"}}));
    auto gone = h.client->remove(k_rg, "1");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().kind == ApiErrorKind::config);
    CHECK(h.transport->count("GET") == 0);

    ClientOptions plain;
    plain.arm_endpoint = "http://127.0.0.1:8080";
    auto transport = std::make_shared<FakeTransport>();
    transport->on("GET", "127.0.0.1", json_response(200, {{"ok", true}}));
    ArmClient local(plain, transport, std::make_shared<StaticTokenCredential>("t"), std::make_shared<ManualClock>(),
                    std::make_shared<FixedRandom>(0.5));
    CHECK(local.get("http://127.0.0.1:8080/x", "1"));  // an http loopback ARM (tests) is its own origin
    CHECK(transport->requests().at(0).headers.get("Authorization") == "Bearer t");
}

TEST_CASE("which hosts a token belongs to") {
    ClientOptions o;  // public cloud, ARM at https://management.azure.com
    const std::string arm = "https://management.azure.com";
    CHECK(token_belongs_to(o, "https://management.azure.com/subscriptions/s?x=1", arm));
    CHECK(token_belongs_to(o, "https://Management.Azure.Com/x", arm + "/"));
    CHECK_FALSE(token_belongs_to(o, "https://management.azure.com.evil.test/x", arm));
    CHECK_FALSE(token_belongs_to(o, "https://management.azure.com@evil.test/x", arm));
    CHECK_FALSE(token_belongs_to(o, "https://westeurope.api.azureml.ms/x", arm));  // not ARM's host
    CHECK(token_belongs_to(o, "https://westeurope.api.azureml.ms/discovery", "https://ml.azure.com"));
    CHECK_FALSE(token_belongs_to(o, "https://api.azureml.ms.evil.test/x", "https://ml.azure.com"));
    CHECK_FALSE(token_belongs_to(o, "https://xapi.azureml.ms/x", "https://ml.azure.com"));
    CHECK_FALSE(token_belongs_to(o, "http://westeurope.api.azureml.ms/x", "https://ml.azure.com"));
    CHECK_FALSE(token_belongs_to(o, "https://management.azure.com/x", "https://ml.azure.com"));
    CHECK(token_belongs_to(o, "https://acct.blob.core.windows.net/c/b", "https://storage.azure.com/"));
    CHECK_FALSE(token_belongs_to(o, "https://acct.blob.core.windows.net/c/b", arm));
    // The emulator: one loopback address stands for every Azure host, for every audience.
    ClientOptions emu;
    emu.arm_endpoint = "https://127.0.0.1:4443";
    CHECK(token_belongs_to(emu, "https://127.0.0.1:4443/subscriptions/s", arm));
    CHECK(token_belongs_to(emu, "https://127.0.0.1:4443/discovery", "https://ml.azure.com"));
    CHECK_FALSE(token_belongs_to(emu, "https://127.0.0.1:4444/x", arm));  // another port, another origin
    CHECK_FALSE(token_belongs_to(emu, "https://localhost:4443/x", arm));
    // Another cloud's table replaces the public one.
    ClientOptions sovereign;
    sovereign.arm_endpoint = "https://management.chinacloudapi.cn";
    sovereign.token_hosts = {TokenHosts{"https://ml.azure.cn", {".api.ml.azure.cn"}}};
    CHECK(token_belongs_to(sovereign, "https://chinaeast2.api.ml.azure.cn/x", "https://ml.azure.cn"));
    CHECK_FALSE(token_belongs_to(sovereign, "https://westeurope.api.azureml.ms/x", "https://ml.azure.com"));
}

TEST_CASE("a nextLink or status URL on a foreign host is followed without the token, with one warning") {
    ClientOptions options;
    std::vector<std::string> warnings;
    options.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    ClientHarness h(options);
    h.transport->on("GET", "arm.test/x", json_response(200, {{"value", {{{"n", 1}}}}, {"nextLink", "https://evil.test/p2?sig=SAS"}}));
    h.transport->on("GET", "evil.test/p2", json_response(200, {{"value", {{{"n", 2}}}}, {"nextLink", "https://evil.test/p3"}}));
    h.transport->on("GET", "evil.test/p3", json_response(200, {{"value", {{{"n", 3}}}}}));
    auto items = h.client->list("/x", "1");
    REQUIRE(items);
    CHECK(items->size() == 3);
    const auto sent = h.transport->requests();
    REQUIRE(sent.size() == 3);
    CHECK(sent[0].headers.get("Authorization") == "Bearer tok-SECRET-123");
    CHECK_FALSE(sent[1].headers.has("Authorization"));
    CHECK_FALSE(sent[2].headers.has("Authorization"));
    REQUIRE(warnings.size() == 1);  // once per host
    CHECK(warnings[0].find("host evil.test") != std::string::npos);
    CHECK(warnings[0].find("SAS") == std::string::npos);  // the URL is redacted

    // The foreign host answers 401: no refresh (no token was sent), an auth error at once.
    ClientHarness lro;
    lro.transport->on("PUT", "rg1", json_response(201, nullptr, {{"Azure-AsyncOperation", "https://evil.test/op"}, {"Retry-After", "0"}}));
    lro.transport->on("GET", "evil.test/op", json_response(401, {{"error", {{"code", "Unauthorized"}, {"message", "who are you"}}}}));
    auto put = lro.client->put(k_rg, "1", Json::object());
    REQUIRE_FALSE(put);
    CHECK(put.error().kind == ApiErrorKind::auth);
    CHECK(put.error().message.find("sent without a token: host evil.test") != std::string::npos);
    CHECK(lro.transport->count("GET", "evil.test") == 1);
    CHECK(lro.client->stats().auth_refreshes == 0);
    CHECK(lro.clock->slept() == 0ms);
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
