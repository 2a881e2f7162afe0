// Throttling, fault injection, counters, persistence across restart and kill -9 (issue 3).
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
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

    TEST_CASE("emulators started at once on a fresh state directory create one principal (issue 21)") {
        // Before the state lock, each wrote its own credentials.json and subscription; later
        // runs saw only the last one.
        std::string dir = temp_dir("race");
        constexpr int k_count = 4;
        std::vector<std::unique_ptr<emulator::Emulator>> emus;
        for (int i = 0; i < k_count; ++i) {
            emulator::Options o;
            o.state_dir = dir;
            emus.push_back(std::make_unique<emulator::Emulator>(o));
        }
        std::vector<std::thread> threads;
        for (auto& e : emus) {
            threads.emplace_back([&e] { e->start(); });
        }
        for (auto& t : threads) {
            t.join();
        }
        std::set<std::string> secrets;
        std::set<std::string> subscriptions;
        int first = 0;
        for (auto& e : emus) {
            secrets.insert(e->credentials().client_secret);
            subscriptions.insert(e->credentials().subscription_id);
            first += e->first_start() ? 1 : 0;
        }
        CHECK(first == 1);
        CHECK(secrets.size() == 1);
        CHECK(subscriptions.size() == 1);
        std::ifstream in(dir + "/credentials.json");
        const Json saved = Json::parse(in);
        CHECK(saved["clientSecret"] == *secrets.begin());
        emus.clear();
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("listen: loopback unless allow_remote; the URL names the address really bound (issue 21)") {
        {
            emulator::Options o;
            o.listen_host = "0.0.0.0";
            emulator::Emulator e(o);
            try {
                e.start();
                FAIL("a wildcard listen address was accepted without allow_remote");
            } catch (const std::runtime_error& err) {
                CHECK(std::string(err.what()).find("--allow-remote") != std::string::npos);
            }
            CHECK_FALSE(e.running());
        }
        {
            emulator::Options o;
            o.listen_host = "";  // "--listen :0"
            emulator::Emulator e(o);
            e.start();
            CHECK(e.base_url().rfind("https://127.0.0.1:" + std::to_string(e.port()), 0) == 0);
            CHECK(e.admin_token().empty());
        }
    }

    TEST_CASE("with allow_remote the admin API requires the token from the admin-token file") {
        emulator::Options o;
        o.allow_remote = true;  // still bound to loopback here: tests never listen beyond it
        Emu e(o);
        REQUIRE_FALSE(e.emu.admin_token().empty());
        std::ifstream in(e.emu.admin_token_file());
        std::string from_file;
        std::getline(in, from_file);
        CHECK(from_file == e.emu.admin_token());
        auto anonymous = e.client->Get("/_emulator/stats");
        REQUIRE(anonymous);
        CHECK(anonymous->status == 401);
        CHECK(e.client->Put("/_emulator/faults", R"({"throttle": 1.0})", "application/json")->status == 401);
        CHECK(e.emu.faults().throttle == 0.0);
        auto wrong = e.client->Get("/_emulator/stats", {{"Authorization", "Bearer " + e.token}});
        CHECK(wrong->status == 401);
        auto good = e.client->Get("/_emulator/stats", {{"Authorization", "Bearer " + e.emu.admin_token()}});
        REQUIRE(good);
        CHECK(good->status == 200);
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
