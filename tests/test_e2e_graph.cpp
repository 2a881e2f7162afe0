// --refresh=graph end to end (issue 20): one Resource Graph query reads the indexed types,
// lists read the others, and every candidate change is confirmed with a direct ARM GET before
// it is planned, so Resource Graph's lag never shows as drift. Requests counted at the emulator.
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/sync.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace converge;
using converge::testing::E2e;
using converge::testing::changes_of;
using converge::testing::require_converged;
using converge::testing::require_ok;

namespace {

const std::string k_config = R"(apiVersion: converge/v1
stack: graph-e2e
defaults:
  resourceGroup: rg-graph
  location: westeurope
)";

const std::string k_graph_route = "/providers/Microsoft.ResourceGraph/resources";

std::map<std::string, std::string> estate(const std::string& team = "data") {
    return {
        {"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-graph}\nspec: {}\n"},
        {"st.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stgraph}\n"
                    "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {team: " + team + "}}\n---\n"
                    "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stgraph2}\n"
                    "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n"},
        {"appi.yaml", "apiVersion: converge/v1\nkind: ApplicationInsights\nmetadata: {name: appi-graph}\n"
                      "spec: {kind: web, properties: {Application_Type: web}}\n"},
    };
}

DesiredSet load(E2e& e2e, const std::map<std::string, std::string>& files) {
    auto loaded = e2e.load(files, k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

/// Requests by method and route pattern since the last reset, filtered by a route substring.
std::uint64_t requests(E2e& e2e, const std::string& method, const std::string& route_part) {
    std::uint64_t n = 0;
    for (const auto& [route, count] : e2e.emu().stats().by_route) {
        if (route.rfind(method + " ", 0) == 0 && route.find(route_part) != std::string::npos) {
            n += count;
        }
    }
    return n;
}

struct Graphed {
    ObservedState observed;
    Plan plan;
    std::size_t confirmed = 0;
};

/// What `converge plan --refresh=graph` does: observe by graph, plan, confirm, plan again.
Graphed graph_plan(E2e& e2e, const DesiredSet& desired) {
    ObserveOptions options;
    options.mode = RefreshMode::graph;
    options.find_orphans = true;
    auto observed = converge::observe(desired, e2e.api(), options);
    REQUIRE_MESSAGE(observed, observed.error().to_string());
    PlanResult planned = build_plan(desired, *observed, {});
    REQUIRE(!planned.diagnostics.has_errors());
    auto confirmed = confirm_observed(desired, *observed, graph_candidates(planned.plan), e2e.api(), 4);
    REQUIRE_MESSAGE(confirmed, confirmed.error().to_string());
    planned = build_plan(desired, *observed, {});
    REQUIRE(!planned.diagnostics.has_errors());
    return {std::move(*observed), std::move(planned.plan), *confirmed};
}

void drift_tag(E2e& e2e, const std::string& storage) {
    auto body = e2e.api().get(storage, "2023-05-01");
    REQUIRE(body);
    Json put = {{"location", (*body)["location"]}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}};
    put["tags"] = (*body)["tags"];
    put["tags"]["team"] = "someone-else";
    REQUIRE(e2e.client().put(storage, "2023-05-01", put));
}

/// Resource Graph as a script: pages of `rows` storage accounts, a 429 first when asked, and the
/// quota spent after the first page; every other read is counted and answers 404.
class ScriptedGraph : public ArmApi {
public:
    ScriptedGraph(std::string subscription, int rows, bool throttle_first)
        : m_sub(std::move(subscription)), m_rows(rows), m_throttle(throttle_first) {}

    ApiResult<Json> get(const std::string&, const std::string&) override {
        ++gets;
        return tl::unexpected(make_api_error("NotFound", "no", 404));
    }
    ApiResult<std::vector<Json>> list(const std::string& path, const std::string&, const Query&) override {
        std::lock_guard guard(m_mutex);
        lists.push_back(path);
        return tl::unexpected(make_api_error("NotFound", "no", 404));
    }
    ApiResult<std::unique_ptr<Operation>> begin(const WriteRequest&) override {
        return tl::unexpected(make_api_error("NotSupported", "read only"));
    }
    ApiResult<ArmReply> post_query(const std::string& path, const std::string& api_version, const Json& body) override {
        ++queries;
        CHECK(path == "/providers/Microsoft.ResourceGraph/resources");
        CHECK(api_version == "2024-04-01");
        CHECK(body["subscriptions"] == Json::array({to_lower(m_sub)}));
        CHECK(body["options"]["$top"] == 1000);
        const std::string q = body["query"].get<std::string>();
        CHECK(q.find("resources | where type in~ ('Microsoft.MachineLearningServices/workspaces'") == 0);
        CHECK(q.find("'Microsoft.Storage/storageAccounts'") != std::string::npos);
        CHECK(q.find("'Microsoft.MachineLearningServices/workspaces/computes'") == std::string::npos);
        ArmReply reply;
        if (m_throttle) {
            m_throttle = false;
            reply.status = 429;
            reply.headers = {{"x-ms-user-quota-remaining", "0"}, {"x-ms-user-quota-resets-after", "00:00:01"}};
            reply.body = {{"error", {{"code", "RateLimiting"}, {"message", "throttled"}}}};
            return reply;
        }
        const std::size_t offset = body["options"].contains("$skipToken")
                                       ? std::stoul(body["options"]["$skipToken"].get<std::string>())
                                       : 0;
        const std::size_t end = std::min<std::size_t>(offset + 1000, static_cast<std::size_t>(m_rows));
        Json data = Json::array();
        for (std::size_t i = offset; i < end; ++i) {
            data.push_back({{"id", "/subscriptions/" + m_sub +
                                       "/resourceGroups/rg-graph/providers/Microsoft.Storage/storageAccounts/st" +
                                       std::to_string(i)},
                            {"name", "st" + std::to_string(i)},
                            {"type", "microsoft.storage/storageaccounts"},
                            {"location", "westeurope"},
                            {"kind", "StorageV2"},
                            {"identity", nullptr},
                            {"resourceGroup", "rg-graph"},
                            {"subscriptionId", to_lower(m_sub)},
                            {"tags", Json::object()}});
        }
        reply.status = 200;
        reply.body = {{"totalRecords", m_rows}, {"count", end - offset}, {"resultTruncated", "false"}, {"data", data}};
        if (end < static_cast<std::size_t>(m_rows)) {
            reply.body["$skipToken"] = std::to_string(end);
        }
        // The first page spends the quota: the next must wait for the reset.
        reply.headers = {{"x-ms-user-quota-remaining", offset == 0 ? "0" : "5"},
                         {"x-ms-user-quota-resets-after", "00:00:01"}};
        return reply;
    }

    std::atomic<int> gets{0};
    std::atomic<int> queries{0};
    std::vector<std::string> lists;

private:
    std::mutex m_mutex;
    std::string m_sub;
    int m_rows;
    bool m_throttle;
};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("graph refresh: ceil(N / 1000) queries, the quota headers waited for, a 429 retried after its reset") {
    E2e e2e;  // only to load the manifests
    const DesiredSet desired = load(e2e, {{"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-graph}\nspec: {}\n"},
                                          {"st.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: st1234}\n"
                                                      "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n"}});
    for (const bool throttle : {false, true}) {
        ScriptedGraph api(e2e.subscription(), 2500, throttle);
        ObserveOptions options;
        options.mode = RefreshMode::graph;
        const auto start = std::chrono::steady_clock::now();
        auto observed = converge::observe(desired, api, options);
        const auto took = std::chrono::steady_clock::now() - start;
        REQUIRE_MESSAGE(observed, observed.error().to_string());
        CHECK(api.queries == (throttle ? 4 : 3));  // ceil(2500 / 1000), plus the throttled one
        // Waited for the reset after page 1 (and after the 429).
        CHECK(took >= std::chrono::milliseconds(throttle ? 1900 : 950));
        // The storage account came from the query, its list was never sent; the group was read.
        const Json* st = nullptr;
        for (const auto& [id, body] : observed->resources) {
            if (id.name() == "st1234") {
                st = &body;
            }
        }
        REQUIRE(st != nullptr);
        CHECK(st->value("kind", "") == "StorageV2");  // what the manifest sets is kept
        CHECK_FALSE(st->contains("identity"));       // Resource Graph's nulls are dropped
        CHECK_FALSE(st->contains("resourceGroup"));  // and its own columns
        for (const auto& path : api.lists) {
            CHECK_MESSAGE(path.find("storageAccounts") == std::string::npos, path);
        }
        CHECK(api.gets == 0);
    }
}


TEST_CASE("graph refresh: after apply, the same empty plan as lists, with one query for the indexed types") {
    E2e e2e;
    const DesiredSet desired = load(e2e, estate());
    require_ok(e2e.apply(desired));

    e2e.emu().reset_stats();
    const Graphed g = graph_plan(e2e, desired);
    CHECK(changes_of(g.plan) == "");
    CHECK(g.plan.orphans.empty());
    CHECK(g.confirmed == 0);
    // 3 indexed resources in one subscription: ceil(3 / 1000) = 1 query, and no list or GET of
    // storage accounts or components; the group and its generic list are still ARM reads.
    CHECK(requests(e2e, "POST", k_graph_route) == 1);
    CHECK(requests(e2e, "GET", "storageAccounts") == 0);
    CHECK(requests(e2e, "GET", "components") == 0);
    const std::uint64_t graph_total = e2e.emu().stats().total;

    e2e.emu().reset_stats();
    ObserveOptions lists;
    lists.find_orphans = true;
    auto observed = converge::observe(desired, e2e.api(), lists);
    REQUIRE(observed);
    CHECK(changes_of(build_plan(desired, *observed, {}).plan) == "");
    CHECK(requests(e2e, "POST", k_graph_route) == 0);
    CHECK(requests(e2e, "GET", "storageAccounts") >= 1);
    CHECK(e2e.emu().stats().total > graph_total);
    // Same resources seen either way.
    for (const auto& r : desired.resources) {
        CHECK_MESSAGE((observed->find(r.id) != nullptr) == (g.observed.find(r.id) != nullptr), r.id.str());
    }
    require_converged(e2e, desired);
}

TEST_CASE("graph refresh: a change made at Azure is reported after its confirming GET") {
    E2e e2e;
    const DesiredSet desired = load(e2e, estate());
    require_ok(e2e.apply(desired));
    const std::string storage = "/subscriptions/" + e2e.subscription() +
                                "/resourceGroups/rg-graph/providers/Microsoft.Storage/storageAccounts/stgraph";
    drift_tag(e2e, storage);

    e2e.emu().reset_stats();
    const Graphed g = graph_plan(e2e, desired);
    CHECK(changes_of(g.plan) == "update StorageAccount/stgraph\n");
    CHECK(g.confirmed == 1);
    CHECK(requests(e2e, "POST", k_graph_route) == 1);
    CHECK(requests(e2e, "GET", "storageAccounts/{") == 1);  // the one confirming GET

    // Sync's detect tick with graph refresh reports it too (as drift), and correct repairs it.
    SyncTickOptions tick;
    tick.observe.mode = RefreshMode::graph;
    tick.mode = SyncMode::detect;
    SyncTickResult seen = sync_tick(desired, e2e.api(), tick);
    REQUIRE_MESSAGE(seen.error.empty(), seen.error);
    CHECK(changes_of(seen.plan) == "update StorageAccount/stgraph\n");
    CHECK(seen.count(DifferenceClass::drift) == 1);
    tick.mode = SyncMode::correct;
    SyncTickResult fixed = sync_tick(desired, e2e.api(), tick);
    REQUIRE(fixed.applied);
    require_ok(*fixed.applied);
    CHECK(changes_of(graph_plan(e2e, desired).plan) == "");
    require_converged(e2e, desired);
}

TEST_CASE("graph refresh: Resource Graph's lag shows no false drift, creates or orphans") {
    emulator::Options options = converge::testing::fast_emulator();
    options.graph_lag = std::chrono::milliseconds(1500);
    E2e e2e(options);
    const DesiredSet first = load(e2e, estate("data"));
    require_ok(e2e.apply(first));

    // Just applied: Resource Graph has none of it yet. Each looks missing until its GET.
    e2e.emu().reset_stats();
    Graphed g = graph_plan(e2e, first);
    CHECK(changes_of(g.plan) == "");
    CHECK(g.plan.orphans.empty());
    // Confirmed: those the group's generic list (an ARM read, not lagging) did not make look
    // converged already; at most the three indexed resources, one GET each.
    CHECK(g.confirmed >= 1);
    CHECK(g.confirmed <= 3);
    CHECK(requests(e2e, "GET", "storageAccounts/{") <= 2);
    CHECK(requests(e2e, "POST", k_graph_route) == 1);

    // Once indexed, a manifest change applied: Resource Graph still shows the old tag.
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    const DesiredSet second = load(e2e, estate("analytics"));
    require_ok(e2e.apply(second));
    e2e.emu().reset_stats();
    g = graph_plan(e2e, second);
    CHECK(changes_of(g.plan) == "");
    CHECK(g.confirmed == 1);  // the updated account only

    // A resource deleted outside converge: once Resource Graph has seen it go, it is missing,
    // confirmed by its GET (404), and planned as a create.
    const std::string storage2 = "/subscriptions/" + e2e.subscription() +
                                 "/resourceGroups/rg-graph/providers/Microsoft.Storage/storageAccounts/stgraph2";
    WriteRequest del{Verb::remove, storage2, "2023-05-01", Json(), {}};
    auto op = e2e.api().begin(del);
    REQUIRE(op);
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    e2e.emu().reset_stats();
    g = graph_plan(e2e, second);
    CHECK(requests(e2e, "GET", "storageAccounts/{") == 1);
    CHECK(changes_of(g.plan) == "create StorageAccount/stgraph2\n");
    require_ok(e2e.apply(second));

    // sync with graph refresh: no difference on the converged estate, lag or not.
    SyncTickOptions tick;
    tick.observe.mode = RefreshMode::graph;
    tick.mode = SyncMode::detect;
    SyncTickResult r = sync_tick(second, e2e.api(), tick);
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    CHECK(r.differences() == 0);
    CHECK(r.unmanaged.empty());
    require_converged(e2e, second);
}

TEST_CASE("graph refresh through the binary: plan --refresh graph is empty after apply") {
    converge::testing::CliStack stack("e2e-graph");
    stack.write("converge.yaml", k_config);
    for (const auto& [name, text] : estate()) {
        stack.write(name, text);
    }
    REQUIRE(stack.converge("apply --auto-approve").code == 0);
    const converge::testing::Run planned = stack.converge("plan --refresh graph --detailed-exitcode");
    CHECK_MESSAGE(planned.code == 0, (planned.out + planned.err));
    CHECK(stack.converge("plan --refresh nonsense").code != 0);
}

}  // TEST_SUITE
