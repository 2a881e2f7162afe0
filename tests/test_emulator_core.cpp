// The emulator's server, AAD and generic ARM behaviour (issue 3).
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>

using emutest::Emu;
using emutest::Json;

namespace {

std::string form(const std::string& id, const std::string& secret, const std::string& scope) {
    return "grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret +
           "&scope=" + httplib::detail::encode_query_param(scope) + "&client_info=1";
}

}  // namespace

TEST_SUITE("emulator") {
    TEST_CASE("openid discovery names https endpoints and an issuer ending in the tenant") {
        Emu e;
        const auto& c = e.emu.credentials();
        auto r = e.client->Get("/" + c.tenant_id + "/v2.0/.well-known/openid-configuration");
        REQUIRE(r);
        CHECK(r->status == 200);
        Json doc = Json::parse(r->body);
        CHECK(doc["token_endpoint"] == e.emu.base_url() + "/" + c.tenant_id + "/oauth2/v2.0/token");
        CHECK(doc["issuer"] == e.emu.base_url() + "/" + c.tenant_id + "/v2.0");
        CHECK(doc["authorization_endpoint"].get<std::string>().starts_with("https://"));
        auto adfs = e.client->Get("/adfs/.well-known/openid-configuration");
        REQUIRE(adfs);
        CHECK(Json::parse(adfs->body)["token_endpoint"] == e.emu.base_url() + "/adfs/oauth2/token");
    }

    TEST_CASE("client credentials give a token ARM accepts; v1 numbers are strings") {
        Emu e;
        const auto& c = e.emu.credentials();
        auto v2 = e.client->Post("/" + c.tenant_id + "/oauth2/v2.0/token",
                                 form(c.client_id, c.client_secret, "https://management.core.windows.net//.default"),
                                 "application/x-www-form-urlencoded");
        REQUIRE(v2);
        REQUIRE(v2->status == 200);
        Json t = Json::parse(v2->body);
        CHECK(t["token_type"] == "Bearer");
        CHECK(t["expires_in"].is_number());
        std::string token = t["access_token"];
        CHECK(std::count(token.begin(), token.end(), '.') == 2);
        auto subs = e.client->Get("/subscriptions?api-version=2019-11-01", {{"Authorization", "Bearer " + token}});
        REQUIRE(subs);
        CHECK(subs->status == 200);
        CHECK(Json::parse(subs->body)["value"][0]["subscriptionId"] == c.subscription_id);

        auto v1 = e.client->Post("/adfs/oauth2/token",
                                 "grant_type=client_credentials&client_id=" + c.client_id +
                                     "&client_secret=" + c.client_secret + "&resource=https://management.azure.com/",
                                 "application/x-www-form-urlencoded");
        REQUIRE(v1);
        Json t1 = Json::parse(v1->body);
        CHECK(t1["expires_in"].is_string());
        CHECK(t1["resource"] == "https://management.azure.com/");
    }

    TEST_CASE("a wrong client secret is 401 invalid_client AADSTS7000215") {
        Emu e;
        const auto& c = e.emu.credentials();
        auto r = e.client->Post("/" + c.tenant_id + "/oauth2/v2.0/token", form(c.client_id, "nope", "x/.default"),
                                "application/x-www-form-urlencoded");
        REQUIRE(r);
        CHECK(r->status == 401);
        Json b = Json::parse(r->body);
        CHECK(b["error"] == "invalid_client");
        CHECK(b["error_codes"] == Json::array({7000215}));
        CHECK(b["error_description"].get<std::string>().starts_with("AADSTS7000215: Invalid client secret provided."));
        CHECK(b["error_uri"] == "https://login.microsoftonline.com/error?code=7000215");
        CHECK(r->body.find("nope") == std::string::npos);
    }

    TEST_CASE("ARM answers missing, invalid and expired tokens with 401 and WWW-Authenticate") {
        Emu e;
        std::string path = "/subscriptions/" + e.sub() + "/resourcegroups?api-version=2022-09-01";
        auto none = e.client->Get(path);
        REQUIRE(none);
        CHECK(none->status == 401);
        CHECK(Json::parse(none->body)["error"]["code"] == "AuthenticationFailed");
        CHECK(none->get_header_value("WWW-Authenticate").starts_with("Bearer authorization_uri="));
        CHECK_FALSE(none->has_header("Retry-After"));

        auto bad = e.client->Get(path, {{"Authorization", "Bearer abc.def.ghi"}});
        CHECK(Json::parse(bad->body)["error"]["code"] == "InvalidAuthenticationToken");
        std::string expired = e.emu.issue_token(std::chrono::seconds(-10));
        auto old = e.client->Get(path, {{"Authorization", "Bearer " + expired}});
        CHECK(old->status == 401);
        CHECK(Json::parse(old->body)["error"]["code"] == "ExpiredAuthenticationToken");
    }

    TEST_CASE("a verified token is remembered, yet expiry and tampering are still refused") {
        Emu e;
        std::string path = "/subscriptions/" + e.sub() + "/resourcegroups?api-version=2022-09-01";
        const std::string good = e.emu.issue_token(std::chrono::seconds(60));
        auto with = [&](const std::string& token) {
            auto r = e.client->Get(path, {{"Authorization", "Bearer " + token}});
            REQUIRE(r);
            return r->status == 401 ? Json::parse(r->body)["error"]["code"].get<std::string>() : std::to_string(r->status);
        };
        CHECK(with(good) == "200");
        CHECK(with(good) == "200");  // from the cache
        // Another payload under the same signature: a different text, so verified (and refused).
        const auto d1 = good.find('.');
        const auto d2 = good.find('.', d1 + 1);
        std::string payload = good.substr(d1 + 1, d2 - d1 - 1);
        payload[payload.size() / 2] = payload[payload.size() / 2] == 'A' ? 'B' : 'A';
        CHECK(with(good.substr(0, d1 + 1) + payload + good.substr(d2)) == "InvalidAuthenticationToken");
        std::string signature = good.substr(d2 + 1);
        signature[signature.size() / 2] = signature[signature.size() / 2] == 'A' ? 'B' : 'A';
        CHECK(with(good.substr(0, d2 + 1) + signature) == "InvalidAuthenticationToken");
        CHECK(with(e.emu.issue_token(std::chrono::seconds(-10))) == "ExpiredAuthenticationToken");
        // The cached token itself expires with the clock.
        e.advance(61'000);
        CHECK(with(good) == "ExpiredAuthenticationToken");
    }

    TEST_CASE("an unknown subscription is 404 SubscriptionNotFound") {
        Emu e;
        auto r = e.get("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups?api-version=2022-09-01");
        CHECK(r->status == 404);
        CHECK(Json::parse(r->body)["error"]["code"] == "SubscriptionNotFound");
    }

    TEST_CASE("api-version is required and checked per type") {
        Emu e;
        e.make_rg("rg");
        auto missing = e.get(e.rg_path("rg"));
        CHECK(missing->status == 400);
        CHECK(Json::parse(missing->body)["error"]["message"] ==
              "The api-version query parameter (?api-version=) is required for all requests.");
        CHECK_FALSE(missing->has_header("Retry-After"));
        auto own = e.get(e.rg_path("rg") + "?api-version=2099-01-01");
        Json own_err = Json::parse(own->body)["error"];
        CHECK(own_err["code"] == "InvalidApiVersionParameter");
        CHECK(own_err["message"].get<std::string>().find("'2099-01-01' is invalid") != std::string::npos);
        CHECK(own_err["message"].get<std::string>().find("2021-04-01") != std::string::npos);
        auto rp = e.get(e.rg_path("rg") + "/providers/Microsoft.MachineLearningServices/workspaces/w?api-version=2010-01-01");
        Json rp_err = Json::parse(rp->body)["error"];
        CHECK(rp_err["code"] == "NoRegisteredProviderFound");
        CHECK(rp_err["message"].get<std::string>().find("2025-12-01") != std::string::npos);
        for (const char* v : {"2025-12-01", "2022-10-01", "2022-10-01-preview", "2022-05-01"}) {
            auto ok = e.get(e.rg_path("rg") + "/providers/Microsoft.MachineLearningServices/workspaces?api-version=" + v);
            CHECK(ok->status == 200);
        }
    }

    TEST_CASE("paths match case-insensitively and names keep their last-used casing") {
        Emu e;
        auto created = e.put("/SUBSCRIPTIONS/" + e.sub() + "/resourcegroups/Rg-Case?api-version=2022-09-01",
                             Json{{"location", "westeurope"}});
        CHECK(created->status == 201);
        auto got = e.get("/subscriptions/" + e.sub() + "/RESOURCEGROUPS/rg-case?api-version=2021-04-01");
        REQUIRE(got->status == 200);
        CHECK(Json::parse(got->body)["name"] == "Rg-Case");
        e.put(e.rg_path("RG-CASE") + "?api-version=2021-04-01", Json{{"location", "westeurope"}});
        CHECK(Json::parse(e.get(e.rg_path("rg-case") + "?api-version=2021-04-01")->body)["name"] == "RG-CASE");
    }

    TEST_CASE("ARM headers: request ids, correlation echo, client request id on demand") {
        Emu e;
        auto r = e.get("/subscriptions/" + e.sub() + "/resourcegroups?api-version=2022-09-01",
                       {{"x-ms-correlation-request-id", "corr-1"},
                        {"x-ms-client-request-id", "client-1"},
                        {"x-ms-return-client-request-id", "true"}});
        CHECK(r->get_header_value("x-ms-correlation-request-id") == "corr-1");
        CHECK(r->get_header_value("x-ms-client-request-id") == "client-1");
        CHECK_FALSE(r->get_header_value("x-ms-request-id").empty());
        CHECK_FALSE(r->get_header_value("x-ms-routing-request-id").empty());
        CHECK(r->get_header_value("x-ms-ratelimit-remaining-subscription-reads") == "249");
    }

    TEST_CASE("metadata endpoints for az cloud register use the single-object format") {
        Emu e;
        auto r = e.client->Get("/metadata/endpoints?api-version=2015-01-01");
        REQUIRE(r);
        Json doc = Json::parse(r->body);
        CHECK(doc.is_object());
        CHECK(doc["authentication"]["loginEndpoint"] == e.emu.base_url() + "/adfs");
    }

    TEST_CASE("a request costs about a millisecond (TCP_NODELAY, keep-alive)") {
        Emu e;
        e.make_rg("rg");
        std::string path = e.rg_path("rg") + "?api-version=2021-04-01";
        e.get(path);  // handshake
        auto start = std::chrono::steady_clock::now();
        const int n = 50;
        for (int i = 0; i < n; ++i) {
            REQUIRE(e.get(path)->status == 200);
        }
        auto per = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start) / n;
        MESSAGE("emulator GET: " << per.count() << " us per request");
        CHECK(per < std::chrono::milliseconds(15));  // 40+ ms each when Nagle bites
    }
}
