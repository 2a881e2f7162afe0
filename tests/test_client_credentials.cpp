#include "fakes.hpp"

#include "converge/credentials.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <unistd.h>

using namespace converge;
using namespace converge::testing;
using namespace std::chrono_literals;

namespace {
EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

ProcessRunner no_az() {
    return [](const std::vector<std::string>&) { return ProcessResult{127, "", "az: not found"}; };
}

const std::map<std::string, std::string> k_sp_env = {
    {"AZURE_TENANT_ID", "tenant1"}, {"AZURE_CLIENT_ID", "app1"}, {"AZURE_CLIENT_SECRET", "s3cr3t-VALUE"}};
}  // namespace

TEST_SUITE("client") {
TEST_CASE("token responses: v1 string numbers, v2 numbers, expires_on preferred") {
    auto v1 = parse_token_response("env", 200,
                                   R"({"token_type":"Bearer","expires_in":"3599","expires_on":"1578523094","access_token":"a"})",
                                   1000);
    REQUIRE(v1);
    CHECK(v1->expires_on == 1578523094);
    auto v2 = parse_token_response("env", 200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"b"})", 1000);
    REQUIRE(v2);
    CHECK(v2->expires_on == 4599);
    auto none = parse_token_response("env", 200, R"({"token_type":"Bearer"})", 1000);
    REQUIRE_FALSE(none);
}

TEST_CASE("environment credential: v2 form with scope, secret url-encoded") {
    auto transport = std::make_shared<FakeTransport>();
    auto clock = std::make_shared<ManualClock>();
    transport->on("POST", "/tenant1/oauth2/v2.0/token",
                  json_response(200, {{"token_type", "Bearer"}, {"expires_in", 3599}, {"access_token", "AT-1"}}));
    auto env = k_sp_env;
    env["AZURE_CLIENT_SECRET"] = "a&b=c";
    auto credential = EnvironmentCredential::from_env(env_of(env), "https://login.test/", false, transport, clock);
    auto token = credential->get_token("https://management.azure.com/");
    REQUIRE(token);
    CHECK(token->token == "AT-1");
    auto sent = transport->requests();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].url == "https://login.test/tenant1/oauth2/v2.0/token");
    CHECK(sent[0].headers.get("content-type") == "application/x-www-form-urlencoded");
    CHECK(sent[0].body ==
          "grant_type=client_credentials&client_id=app1&client_secret=a%26b%3Dc"
          "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
}

TEST_CASE("environment credential: v1 endpoint with resource when asked") {
    auto transport = std::make_shared<FakeTransport>();
    transport->on("POST", "/oauth2/token", json_response(200, {{"expires_in", "3599"}, {"access_token", "AT-v1"}}));
    auto credential = EnvironmentCredential::from_env(env_of(k_sp_env), "https://login.test", true, transport,
                                                      std::make_shared<ManualClock>());
    REQUIRE(credential->get_token("https://management.azure.com/"));
    CHECK(transport->requests()[0].url == "https://login.test/tenant1/oauth2/token");
    CHECK(transport->requests()[0].body.find("&resource=https%3A%2F%2Fmanagement.azure.com%2F") != std::string::npos);
}

TEST_CASE("secret read from AZURE_CLIENT_SECRET_FILE") {
    const std::string path = "/tmp/converge-test-secret-" + std::to_string(::getpid());
    std::ofstream(path) << "file-secret\n";
    auto transport = std::make_shared<FakeTransport>();
    transport->on("POST", "token", json_response(200, {{"expires_in", 3599}, {"access_token", "AT"}}));
    auto credential = EnvironmentCredential::from_env(
        env_of({{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}, {"AZURE_CLIENT_SECRET_FILE", path}}),
        "https://login.test", false, transport, std::make_shared<ManualClock>());
    REQUIRE(credential->get_token("https://management.azure.com"));
    CHECK(transport->requests()[0].body.find("client_secret=file-secret&") != std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("AAD errors report code and AADSTS description, never the secret") {
    auto transport = std::make_shared<FakeTransport>();
    transport->on("POST", "token",
                  json_response(401, {{"error", "invalid_client"},
                                      {"error_description",
                                       "AADSTS7000215: Invalid client secret provided (s3cr3t-VALUE).\r\nTrace ID: x"},
                                      {"error_codes", {7000215}}}));
    auto chain = make_default_credential({}, env_of(k_sp_env), transport, std::make_shared<ManualClock>(), no_az());
    auto token = chain->get_token("https://management.azure.com");
    REQUIRE_FALSE(token);
    CHECK_FALSE(token.error().unavailable);
    CHECK(token.error().to_string() ==
          "environment: invalid_client: AADSTS7000215: Invalid client secret provided (REDACTED).");
    CHECK(transport->count("POST") == 1);  // a 401 is not retried
}

TEST_CASE("token endpoint 5xx is retried") {
    auto transport = std::make_shared<FakeTransport>();
    transport->on("POST", "token", json_response(503));
    transport->on("POST", "token", json_response(200, {{"expires_in", 3599}, {"access_token", "AT"}}));
    auto credential = EnvironmentCredential::from_env(env_of(k_sp_env), "https://login.test", false, transport,
                                                      std::make_shared<ManualClock>());
    CHECK(credential->get_token("https://management.azure.com"));
    CHECK(transport->count("POST") == 2);
}

TEST_CASE("default chain order: static token, environment, workload identity, managed identity (opt-in), azure cli") {
    auto transport = std::make_shared<FakeTransport>();
    auto clock = std::make_shared<ManualClock>();
    auto all = make_default_credential({}, env_of({{"CONVERGE_ACCESS_TOKEN", "static"}, {"IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"}}),
                                       transport, clock, no_az());
    CHECK(all->names() ==
          std::vector<std::string>{"static-token", "environment", "workload-identity", "managed-identity", "azure-cli"});
    auto plain = make_default_credential({}, env_of({}), transport, clock, no_az());
    CHECK(plain->names() == std::vector<std::string>{"environment", "workload-identity", "azure-cli"});  // IMDS never probed by default
    auto nothing = plain->get_token("https://management.azure.com");
    REQUIRE_FALSE(nothing);
    CHECK(nothing.error().to_string().find("environment: not configured (AZURE_TENANT_ID") != std::string::npos);
    CHECK(nothing.error().to_string().find("azure-cli: az not found") != std::string::npos);
    CHECK(transport->count("*") == 0);
}

TEST_CASE("managed identity: IDENTITY_ENDPOINT with header; IMDS request shape when opted in") {
    auto transport = std::make_shared<FakeTransport>();
    transport->on("GET", "/msi", json_response(200, {{"access_token", "MI"}, {"expires_on", "1700003600"}}));
    auto chain = make_default_credential(
        {}, env_of({{"IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"}, {"IDENTITY_HEADER", "hdr-secret"}}), transport,
        std::make_shared<ManualClock>(), no_az());
    auto token = chain->get_token("https://management.azure.com");
    REQUIRE(token);
    CHECK(token->token == "MI");
    CHECK(chain->name() == "managed-identity");
    CHECK(transport->requests()[0].headers.get("X-IDENTITY-HEADER") == "hdr-secret");
    // IMDS: the fake answers; nothing real is contacted.
    auto imds = std::make_shared<FakeTransport>();
    imds->on("GET", "169.254.169.254", failure(TransportError::connect));
    CredentialOptions opt_in;
    opt_in.managed_identity = true;
    auto az = [](const std::vector<std::string>& args) {
        CHECK(args[4] == "https://management.azure.com");
        return ProcessResult{0, R"({"accessToken":"CLI","expires_on":1700003600,"tokenType":"Bearer"})", ""};
    };
    auto chain2 = make_default_credential(opt_in, env_of({}), imds, std::make_shared<ManualClock>(), az);
    auto token2 = chain2->get_token("https://management.azure.com");
    REQUIRE(token2);
    CHECK(token2->token == "CLI");  // IMDS unreachable -> unavailable -> next credential
    REQUIRE(imds->count("GET") >= 1);
    CHECK(imds->requests()[0].headers.get("Metadata") == "true");
    CHECK(imds->requests()[0].url.find("api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com") !=
          std::string::npos);
}

TEST_CASE("azure cli: not logged in is unavailable; other failures are errors") {
    auto clock = std::make_shared<ManualClock>();
    AzureCliCredential logged_out(
        [](const std::vector<std::string>&) { return ProcessResult{1, "", "ERROR: Please run 'az login' to setup account.\n"}; },
        clock);
    auto r = logged_out.get_token("https://management.azure.com");
    REQUIRE_FALSE(r);
    CHECK(r.error().unavailable);
    AzureCliCredential broken([](const std::vector<std::string>&) { return ProcessResult{2, "", "ERROR: boom\n"}; },
                              clock);
    auto b = broken.get_token("x");
    REQUIRE_FALSE(b);
    CHECK_FALSE(b.error().unavailable);
    CHECK(b.error().message == "ERROR: boom");
}

TEST_CASE("token cache: one fetch per audience, refreshed before expiry") {
    struct Minting : TokenCredential {
        std::shared_ptr<ManualClock> clock;
        int n = 0;
        std::string name() const override { return "minting"; }
        tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override {
            return AccessToken{audience + "#" + std::to_string(++n), clock->epoch_seconds() + 3600};
        }
    };
    auto clock = std::make_shared<ManualClock>();
    auto minting = std::make_shared<Minting>();
    minting->clock = clock;
    TokenCache cache(minting, clock);
    CHECK(cache.get("arm")->token == "arm#1");
    CHECK(cache.get("arm")->token == "arm#1");
    CHECK(cache.get("ml")->token == "ml#2");
    clock->advance(3600s - 301s);
    CHECK(cache.get("arm")->token == "arm#1");
    clock->advance(2s);  // inside the 5-minute margin
    CHECK(cache.get("arm")->token == "arm#3");
    cache.invalidate("arm", "not-the-current-one");
    CHECK(cache.get("arm")->token == "arm#3");
    cache.invalidate("arm", "arm#3");
    CHECK(cache.get("arm")->token == "arm#4");
    CHECK(cache.fetches() == 4);
}

TEST_CASE("short-lived tokens are refreshed at half their life") {
    struct Short : TokenCredential {
        std::shared_ptr<ManualClock> clock;
        int n = 0;
        std::string name() const override { return "short"; }
        tl::expected<AccessToken, AuthError> get_token(const std::string&) override {
            return AccessToken{"t" + std::to_string(++n), clock->epoch_seconds() + 120};
        }
    };
    auto clock = std::make_shared<ManualClock>();
    auto credential = std::make_shared<Short>();
    credential->clock = clock;
    TokenCache cache(credential, clock);
    CHECK(cache.get("a")->token == "t1");
    clock->advance(59s);
    CHECK(cache.get("a")->token == "t1");
    clock->advance(2s);
    CHECK(cache.get("a")->token == "t2");
}
}

TEST_SUITE("client") {
TEST_CASE("AZURE_CLIENT_SECRET_FILE may be the emulator's credentials.json") {
    const std::string path = "/tmp/converge-test-creds-" + std::to_string(::getpid()) + ".json";
    std::ofstream(path) << R"({"tenantId":"t-json","clientId":"c-json","clientSecret":"json-secret"})" << "\n";
    auto transport = std::make_shared<FakeTransport>();
    transport->on("POST", "/t-json/oauth2/v2.0/token", json_response(200, {{"expires_in", 3599}, {"access_token", "AT"}}));
    auto credential = EnvironmentCredential::from_env(env_of({{"AZURE_CLIENT_SECRET_FILE", path}}), "https://login.test",
                                                      false, transport, std::make_shared<ManualClock>());
    REQUIRE(credential->get_token("https://management.azure.com"));
    CHECK(transport->requests()[0].body.find("client_id=c-json&client_secret=json-secret&") != std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("an explicit service principal is not shadowed by CONVERGE_ACCESS_TOKEN") {
    CredentialOptions options;
    options.service_principal = ServicePrincipal{"https://login.test", "t", "c", "s", false};
    auto chain = make_default_credential(options, env_of({{"CONVERGE_ACCESS_TOKEN", "stray"}}),
                                         std::make_shared<FakeTransport>(), std::make_shared<ManualClock>(), no_az());
    CHECK(chain->names().front() == "environment");
}
}
