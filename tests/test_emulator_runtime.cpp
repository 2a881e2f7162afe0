// Throttling, fault injection, counters, persistence across restart and kill -9 (issue 3).
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using emutest::Emu;
using emutest::Json;

namespace {

std::string temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("converge-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    return dir.string();
}

std::vector<int> statuses(Emu& e, int n) {
    std::vector<int> out;
    std::string path = "/subscriptions/" + e.sub() + "/resourcegroups?api-version=2022-09-01";
    for (int i = 0; i < n; ++i) {
        auto r = e.get(path);
        out.push_back(r ? r->status : -1);
    }
    return out;
}

}  // namespace

TEST_SUITE("emulator") {
    TEST_CASE("ARM throttling: token buckets per subscription, 429 + Retry-After when empty, refill over time") {
        emulator::Options o;
        o.throttle_scale = 0.02;  // reads: bucket 5, 0.5 tokens/s
        Emu e(o);
        std::string path = "/subscriptions/" + e.sub() + "/resourcegroups?api-version=2022-09-01";
        for (int i = 4; i >= 0; --i) {
            auto r = e.get(path);
            REQUIRE(r->status == 200);
            CHECK(r->get_header_value("x-ms-ratelimit-remaining-subscription-reads") == std::to_string(i));
        }
        auto throttled = e.get(path);
        CHECK(throttled->status == 429);
        CHECK(Json::parse(throttled->body)["error"]["code"] == "SubscriptionRequestsThrottled");
        CHECK(std::stoi(throttled->get_header_value("Retry-After")) >= 1);
        CHECK(e.emu.stats().throttled == 1);
        auto write = e.put(e.rg_path("rg") + "?api-version=2021-04-01", Json{{"location", "westeurope"}});
        CHECK(write->status == 201);  // writes have their own bucket
        CHECK(write->get_header_value("x-ms-ratelimit-remaining-subscription-writes") == "3");
        e.advance(2'000);
        CHECK(e.get(path)->status == 200);
    }

    TEST_CASE("faults are deterministic given a seed") {
        emulator::Options o;
        o.seed = 42;
        o.faults.server_error = 0.3;
        o.faults.throttle = 0.2;
        Emu a(o);
        Emu b(o);
        auto sa = statuses(a, 40);
        auto sb = statuses(b, 40);
        CHECK(sa == sb);
        CHECK(std::count(sa.begin(), sa.end(), 200) > 10);
        CHECK(std::count(sa.begin(), sa.end(), 429) > 0);
        CHECK(std::count_if(sa.begin(), sa.end(), [](int s) { return s >= 500; }) > 0);
        o.seed = 43;
        Emu c(o);
        CHECK(statuses(c, 40) != sa);
        // Injected 5xx never carry Retry-After; 429s do.
        a.emu.set_faults(emulator::FaultRates{});
        CHECK(statuses(a, 5) == std::vector<int>(5, 200));
    }

    TEST_CASE("fault injection: connection reset and async operations ending Failed") {
        Emu e;
        e.make_rg("rg");
        emulator::FaultRates f;
        f.connection_reset = 1.0;
        e.emu.set_faults(f);
        auto dropped = e.get(e.rg_path("rg") + "?api-version=2021-04-01");
        CHECK((!dropped || dropped->status == -1));
        f.connection_reset = 0;
        f.async_failure = 1.0;
        e.emu.set_faults(f);
        e.client = e.make_client();
        std::string st = e.rg_path("rg") + "/providers/Microsoft.Storage/storageAccounts/";
        Json deps = e.make_workspace_dependencies("rg");
        std::string ws = e.rg_path("rg") + "/providers/Microsoft.MachineLearningServices/workspaces/wsfail";
        auto r = e.put(ws + "?api-version=2025-12-01", Json{{"location", "westeurope"}, {"properties", deps}});
        REQUIRE(r->status == 202);
        e.advance(10'000);
        auto result = e.get(e.local(r->get_header_value("Location")));
        CHECK(result->status == 400);
        CHECK(Json::parse(result->body)["error"]["code"] == "ResourceOperationFailure");
        CHECK_FALSE(result->has_header("Retry-After"));
        CHECK(Json::parse(e.get(ws + "?api-version=2025-12-01")->body)["properties"]["provisioningState"] == "Failed");
    }

    TEST_CASE("request counters per method and route, in-process and over the admin endpoint") {
        Emu e;
        e.make_rg("rg");
        e.get(e.rg_path("rg") + "?api-version=2021-04-01");
        e.get(e.rg_path("RG") + "?api-version=2021-04-01");
        auto s = e.emu.stats();
        CHECK(s.by_route["GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"] == 2);
        CHECK(s.by_route["PUT /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"] == 1);
        CHECK(s.by_method["GET"] == 2);
        auto admin = e.client->Get("/_emulator/stats");
        REQUIRE(admin);
        Json j = Json::parse(admin->body);
        CHECK(j["total"] == 3);
        CHECK(j["byStatus"]["200"] == 2);
        CHECK(e.client->Post("/_emulator/reset-stats", "", "application/json")->status == 204);
        CHECK(e.emu.stats().total == 0);
        auto set = e.client->Put("/_emulator/faults", R"({"throttle": 1.0})", "application/json");
        CHECK(set->status == 200);
        CHECK(e.emu.faults().throttle == 1.0);
        CHECK(e.client->Put("/_emulator/faults", R"({"throttle": 7})", "application/json")->status == 400);
    }

    TEST_CASE("state survives a restart; credentials and TLS material are reused") {
        std::string dir = temp_dir("restart");
        emulator::Options o;
        o.state_dir = dir;
        std::string secret;
        {
            Emu e(o);
            CHECK(e.emu.first_start());
            secret = e.emu.credentials().client_secret;
            e.make_rg("rg-keep");
            CHECK((std::filesystem::status(dir + "/credentials.json").permissions() &
                   std::filesystem::perms::group_read) == std::filesystem::perms::none);
        }
        {
            Emu e(o);
            CHECK_FALSE(e.emu.first_start());
            CHECK(e.emu.credentials().client_secret == secret);
            CHECK(e.get(e.rg_path("rg-keep") + "?api-version=2021-04-01")->status == 200);
        }
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("nothing acknowledged is lost when the emulator process is killed with SIGKILL") {
        std::string dir = temp_dir("kill9");
        std::string out = dir + ".out";
        std::filesystem::create_directories(dir);
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            std::freopen(out.c_str(), "w", stdout);
            ::execl(CONVERGE_BINARY, CONVERGE_BINARY, "emulator", "--listen", "127.0.0.1:0", "--state", dir.c_str(),
                    "--no-throttling", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        int port = 0;
        for (int i = 0; i < 200 && port == 0; ++i) {
            ::usleep(20'000);
            std::ifstream in(out);
            std::string word;
            while (in >> word) {
                if (word.starts_with("https://127.0.0.1:")) {
                    port = std::stoi(word.substr(18));
                }
            }
        }
        REQUIRE(port > 0);
        Json creds = Json::parse(std::ifstream(dir + "/credentials.json"));
        httplib::SSLClient cli("127.0.0.1", port);
        cli.set_ca_cert_path((dir + "/tls/ca.pem").c_str());
        cli.enable_server_certificate_verification(true);
        std::string tenant = creds["tenantId"];
        auto tok = cli.Post("/" + tenant + "/oauth2/v2.0/token",
                            "grant_type=client_credentials&client_id=" + creds["clientId"].get<std::string>() +
                                "&client_secret=" + creds["clientSecret"].get<std::string>() +
                                "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                            "application/x-www-form-urlencoded");
        REQUIRE(tok);
        REQUIRE(tok->status == 200);
        httplib::Headers h = {{"Authorization", "Bearer " + Json::parse(tok->body)["access_token"].get<std::string>()}};
        std::string sub = creds["subscriptionId"];
        for (int i = 0; i < 5; ++i) {
            auto r = cli.Put("/subscriptions/" + sub + "/resourceGroups/rg" + std::to_string(i) +
                                 "?api-version=2021-04-01",
                             h, R"({"location":"westeurope"})", "application/json");
            REQUIRE(r);
            CHECK(r->status == 201);
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        emulator::Options o;
        o.state_dir = dir;
        Emu e(o);
        CHECK(e.sub() == sub);
        auto list = e.get("/subscriptions/" + sub + "/resourcegroups?api-version=2021-04-01");
        CHECK(Json::parse(list->body)["value"].size() == 5);
        std::filesystem::remove_all(dir);
        std::filesystem::remove(out);
    }
}
