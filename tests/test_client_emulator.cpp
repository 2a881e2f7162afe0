// The client against the in-process emulator over HTTPS: real tokens, TLS with the emulator's
// CA, LROs, pagination, pacing, and fault injection (5xx, 429, resets).
#include "converge/arm_client.hpp"
#include "converge/client_factory.hpp"
#include "converge/parallel.hpp"
#include "converge/redact.hpp"
#include "converge/resource_id.hpp"

#include <doctest/doctest.h>
#include <emulator.hpp>

#include <atomic>
#include <mutex>
#include <set>

using namespace converge;

namespace {
const char* k_rg_api = "2021-04-01";
const char* k_ml_api = "2025-12-01";

EnvLookup no_env() {
    return [](const std::string&) { return std::optional<std::string>(); };
}

emulator::Options quiet_emulator() {
    emulator::Options o;
    o.seed = 7;
    o.time_scale = 0.05;  // provisioning in milliseconds
    return o;
}

/// An emulator plus a client configured the way `--emulator` does it.
struct Live {
    emulator::Emulator emu;
    std::shared_ptr<ArmClient> client;
    std::mutex lines_mutex;
    std::vector<std::string> lines;

    explicit Live(emulator::Options o = quiet_emulator(), ClientOptions options = {}) : emu(std::move(o)) {
        emu.start();
        options.arm_endpoint = emu.base_url();
        options.ca_bundle = emu.ca_path();
        options.credentials.azure_cli = false;
        options.credentials.service_principal = ServicePrincipal{emu.base_url(), emu.credentials().tenant_id,
                                                                 emu.credentials().client_id,
                                                                 emu.credentials().client_secret, false};
        options.lro_default_interval = std::chrono::milliseconds(20);
        options.retry.base_delay = std::chrono::milliseconds(5);
        options.retry.max_delay = std::chrono::milliseconds(50);
        options.on_request = [this](const RequestEvent& e) {
            std::lock_guard lock(lines_mutex);
            lines.push_back(e.to_string());
        };
        auto made = make_arm_client(options, no_env());
        REQUIRE(made);
        client = *made;
    }
    std::string sub() const { return "/subscriptions/" + emu.credentials().subscription_id; }
    std::string rg(const std::string& name) const { return sub() + "/resourceGroups/" + name; }

    void make_workspace(const std::string& group, const std::string& ws) {
        REQUIRE(client->put(rg(group), k_rg_api, Json{{"location", "westeurope"}}));
        const std::string base = rg(group) + "/providers/";
        std::string compact = group;
        std::erase(compact, '-');
        const std::string st = base + "Microsoft.Storage/storageAccounts/st" + compact;
        const std::string kv = base + "Microsoft.KeyVault/vaults/kv-" + group;
        const std::string ai = base + "Microsoft.Insights/components/ai-" + group;
        auto storage = client->put(st, "2023-01-01", Json{{"location", "westeurope"}, {"kind", "StorageV2"},
                                                          {"sku", {{"name", "Standard_LRS"}}}});
        REQUIRE_MESSAGE(storage, (storage ? "" : storage.error().to_string()));
        REQUIRE(client->put(kv, "2023-07-01", Json{{"location", "westeurope"},
                                                  {"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}},
                                                                  {"tenantId", emu.credentials().tenant_id}}}}));
        REQUIRE(client->put(ai, "2020-02-02", Json{{"location", "westeurope"}, {"kind", "web"},
                                                  {"properties", {{"Application_Type", "web"}}}}));
        LroReport report;
        CallOptions options;
        options.report = &report;
        auto created = client->put(base + "Microsoft.MachineLearningServices/workspaces/" + ws, k_ml_api,
                                   Json{{"location", "westeurope"},
                                        {"identity", {{"type", "SystemAssigned"}}},
                                        {"properties", {{"storageAccount", st}, {"keyVault", kv}, {"applicationInsights", ai}}}},
                                   options);
        if (!created) {
            FAIL(created.error().to_string());
        }
        CHECK(iequals(provisioning_state(*created), "Succeeded"));
    }
};
}  // namespace

TEST_SUITE("client") {
TEST_CASE("emulator: token, TLS, resource group lifecycle with async delete") {
    Live live;
    const std::string group = live.rg("rg-client");
    auto created = live.client->put(group, k_rg_api, Json{{"location", "westeurope"}, {"tags", {{"a", "b"}}}});
    REQUIRE(created);
    CHECK((*created)["name"] == "rg-client");
    auto exists = live.client->head(group, k_rg_api);
    REQUIRE(exists);
    CHECK(*exists);
    auto groups = live.client->list(live.sub() + "/resourcegroups", k_rg_api);
    REQUIRE(groups);
    CHECK(groups->size() >= 1);
    LroReport report;
    CallOptions options;
    options.report = &report;
    REQUIRE(live.client->remove(group, k_rg_api, options));
    auto gone = live.client->find(group, k_rg_api);
    REQUIRE(gone);
    CHECK_FALSE(gone->has_value());
    const std::string secret = live.emu.credentials().client_secret;
    for (const auto& line : live.lines) {
        CHECK(line.find(secret) == std::string::npos);
        CHECK(line.find("Bearer") == std::string::npos);
    }
}

TEST_CASE("emulator: a workspace and a compute through their long-running operations") {
    Live live;
    live.make_workspace("rg-ml", "ws-ml");
    const std::string ws = live.rg("rg-ml") + "/providers/Microsoft.MachineLearningServices/workspaces/ws-ml";
    LroReport report;
    CallOptions options;
    options.report = &report;
    auto compute = live.client->put(ws + "/computes/cpu", k_ml_api,
                                    Json{{"location", "westeurope"},
                                         {"properties", {{"computeType", "AmlCompute"},
                                                         {"properties", {{"vmSize", "STANDARD_DS3_V2"},
                                                                         {"scaleSettings", {{"minNodeCount", 0}, {"maxNodeCount", 2}}}}}}}},
                                    options);
    if (!compute) {
        FAIL(compute.error().to_string());
    }
    CHECK(iequals(provisioning_state(*compute), "Succeeded"));
    CHECK(report.mechanism != "none");
    CHECK(report.polls >= 1);
    CallOptions del;
    del.query = {{"underlyingResourceAction", "Delete"}};
    REQUIRE(live.client->remove(ws + "/computes/cpu", k_ml_api, del));
    auto gone = live.client->find(ws + "/computes/cpu", k_ml_api);
    REQUIRE(gone);
    CHECK_FALSE(gone->has_value());
}

TEST_CASE("emulator: a wrong secret is reported with its AADSTS code, and never printed") {
    emulator::Emulator emu(quiet_emulator());
    emu.start();
    ClientOptions options;
    options.arm_endpoint = emu.base_url();
    options.ca_bundle = emu.ca_path();
    options.credentials.azure_cli = false;
    options.credentials.service_principal =
        ServicePrincipal{emu.base_url(), emu.credentials().tenant_id, emu.credentials().client_id, "wrong-secret-XYZ", false};
    auto client = make_arm_client(options, no_env());
    REQUIRE(client);
    auto r = (*client)->get("/subscriptions/" + emu.credentials().subscription_id + "/resourcegroups", k_rg_api);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ApiErrorKind::auth);
    CHECK(r.error().to_string().find("AADSTS7000215") != std::string::npos);
    CHECK(r.error().to_string().find("wrong-secret-XYZ") == std::string::npos);
}

TEST_CASE("emulator: an expired static token gets the ARM 401 error") {
    emulator::Emulator emu(quiet_emulator());
    emu.start();
    ClientOptions options;
    options.arm_endpoint = emu.base_url();
    options.ca_bundle = emu.ca_path();
    options.credentials.azure_cli = false;
    const std::string expired = emu.issue_token(std::chrono::seconds(-60));
    options.credentials.static_token = expired;
    auto client = make_arm_client(options, no_env());
    REQUIRE(client);
    auto r = (*client)->get("/subscriptions/" + emu.credentials().subscription_id + "/resourcegroups", k_rg_api);
    REQUIRE_FALSE(r);
    CHECK(r.error().status == 401);
    CHECK_FALSE(r.error().code.empty());
    CHECK(r.error().to_string().find(expired) == std::string::npos);
    CHECK((*client)->stats().auth_refreshes == 1);
}

TEST_CASE("emulator: TLS without trusting its CA fails as a TLS error, not retried") {
    emulator::Emulator emu(quiet_emulator());
    emu.start();
    ClientOptions options;
    options.arm_endpoint = emu.base_url();
    options.credentials.static_token = emu.issue_token(std::chrono::seconds(600));
    options.credentials.azure_cli = false;
    auto client = make_arm_client(options, no_env());
    REQUIRE(client);
    auto r = (*client)->get("/subscriptions/" + emu.credentials().subscription_id + "/resourcegroups", k_rg_api);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ApiErrorKind::transport);
    CHECK(r.error().code == "tls");
    CHECK((*client)->stats().reads == 1);
}

TEST_CASE("emulator: with 5xx, 429 and resets injected, every write lands once") {
    auto o = quiet_emulator();
    o.page_size = 7;
    Live live(o);
    live.make_workspace("rg-faults", "ws-faults");
    emulator::FaultRates faults;
    faults.server_error = 0.15;
    faults.throttle = 0.1;
    faults.connection_reset = 0.1;
    live.emu.set_faults(faults);
    live.emu.reset_stats();
    std::vector<int> items(30);
    for (int i = 0; i < 30; ++i) {
        items[i] = i;
    }
    const std::string storage = live.rg("rg-faults") + "/providers/Microsoft.Storage/storageAccounts";
    std::atomic<int> failed{0};
    parallel_for_each(items, 6, [&](int i) {
        auto r = live.client->put(storage + "/stfault" + std::to_string(i), "2023-01-01",
                                  Json{{"location", "westeurope"}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}});
        if (!r) {
            ++failed;
            MESSAGE(r.error().to_string());
        }
    });
    CHECK(failed == 0);
    CHECK(live.emu.stats().faults > 0);  // the faults really happened
    auto listed = live.client->list(storage, "2023-01-01");  // paged by 7, faults still on
    REQUIRE(listed);
    live.emu.set_faults({});
    std::set<std::string> names;
    for (const auto& account : *listed) {
        const std::string name = to_lower(account.value("name", ""));
        if (name.starts_with("stfault")) {
            names.insert(name);
        }
    }
    CHECK(names.size() == 30);
    CHECK(listed->size() == 31);  // + the workspace's own account: a retried PUT never duplicates
    CHECK(live.client->stats().retries > 0);
}

TEST_CASE("emulator: pacing at ARM's numbers keeps a burst of reads below the throttle") {
    auto o = quiet_emulator();
    o.throttle_scale = 0.2;  // reads: 50 + 5/s
    ClientOptions options;
    options.pacing.reads = BucketRate{50, 5};
    Live live(o, options);
    REQUIRE(live.client->put(live.rg("rg-paced"), k_rg_api, Json{{"location", "westeurope"}}));
    live.emu.reset_stats();
    std::vector<int> items(58);
    std::atomic<int> failed{0};
    // Fewer connections than the emulator's worker threads (each keep-alive connection holds one).
    parallel_for_each(items, 6, [&](int) {
        if (!live.client->get(live.rg("rg-paced"), k_rg_api)) {
            ++failed;
        }
    });
    CHECK(failed == 0);
    CHECK(live.emu.stats().throttled == 0);
    CHECK(live.client->stats().throttled == 0);
}
}
