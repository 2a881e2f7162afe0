#include "converge/graph.hpp"
#include "plan_fixtures.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace converge;
using converge::test::make_resource;
using converge::test::rid;

namespace {

const std::string k_ml = "Microsoft.MachineLearningServices/workspaces";

std::vector<std::string> labels(const Graph& g, const std::vector<std::size_t>& order) {
    std::vector<std::string> out;
    for (auto i : order) {
        out.push_back(g.label(i));
    }
    return out;
}

DesiredSet seed_stack() {
    DesiredSet set;
    const auto sa = rid("Microsoft.Storage/storageAccounts", "sa");
    const auto kv = rid("Microsoft.KeyVault/vaults", "kv");
    // Declared out of order on purpose.
    set.resources.push_back(make_resource("Compute", rid(k_ml + "/computes", "ws/cpu"), {{"location", "westeurope"}}));
    set.resources.push_back(make_resource(
        "Workspace", rid(k_ml, "ws"),
        {{"location", "westeurope"},
         {"properties", {{"storageAccount", to_lower(sa.str())}, {"keyVault", kv.str()}}}}));
    set.resources.push_back(make_resource("Model", rid(k_ml + "/models/versions", "ws/m/1"), Json::object()));
    set.resources.push_back(make_resource("KeyVault", kv, {{"location", "westeurope"}}));
    set.resources.push_back(make_resource("StorageAccount", sa, {{"location", "westeurope"}}));
    set.resources.push_back(make_resource("ResourceGroup", rid(), {{"location", "westeurope"}}));
    record_implied_edges(set);  // what the loader does
    return set;
}

}  // namespace

TEST_SUITE("graph") {
TEST_CASE("dependencies first, from parent/child and ids named in bodies, ties by id") {
    const auto set = seed_stack();
    const Graph g = build_graph(set);
    const Ordering o = topological_order(g);
    CHECK(o.diagnostics.empty());
    CHECK(labels(g, o.order) == std::vector<std::string>{"ResourceGroup/rg", "KeyVault/kv", "StorageAccount/sa",
                                                         "Workspace/ws", "Compute/cpu", "Model/m@1"});
}

TEST_CASE("compute is deleted before its workspace, the workspace before its storage account") {
    const auto set = seed_stack();
    const Graph g = build_graph(set);
    auto order = topological_order(g).order;
    std::reverse(order.begin(), order.end());
    CHECK(labels(g, order) == std::vector<std::string>{"Model/m@1", "Compute/cpu", "Workspace/ws", "StorageAccount/sa",
                                                       "KeyVault/kv", "ResourceGroup/rg"});
}

TEST_CASE("the order does not depend on declaration order") {
    auto set = seed_stack();
    const Graph g1 = build_graph(set);
    const auto first = labels(g1, topological_order(g1).order);  // g1 refers to `set`: read it before reversing
    std::reverse(set.resources.begin(), set.resources.end());
    const Graph g2 = build_graph(set);
    CHECK(first == labels(g2, topological_order(g2).order));
}

TEST_CASE("a cycle prints the whole path with each edge's location") {
    DesiredSet set;
    const auto sa = rid("Microsoft.Storage/storageAccounts", "sa");
    const auto ws = rid(k_ml, "ws");
    auto w = make_resource("Workspace", ws, {{"properties", {{"storageAccount", sa.str()}}}}, "a.yaml", 3);
    w.location.column = 5;
    w.field_locations.set("/properties/storageAccount", 9, 7);
    auto s = make_resource("StorageAccount", sa, Json::object(), "b.yaml", 1);
    s.depends_on.push_back({ws, Location{"b.yaml", 4, 3}, "dependsOn"});
    set.resources = {s, w};
    record_implied_edges(set);
    const Ordering o = topological_order(build_graph(set));
    CHECK(o.order.empty());
    CHECK(o.diagnostics.to_string() ==
          "a.yaml:3:5: error: dependency cycle: Workspace/ws -> StorageAccount/sa (ref at a.yaml:9:7) -> "
          "Workspace/ws (dependsOn at b.yaml:4:3)\n");
}

TEST_CASE("a three-node cycle and an innocent bystander") {
    DesiredSet set;
    const auto a = rid("Microsoft.Storage/storageAccounts", "a");
    const auto b = rid("Microsoft.Storage/storageAccounts", "b");
    const auto c = rid("Microsoft.Storage/storageAccounts", "c");
    auto ra = make_resource("StorageAccount", a, Json::object(), "x.yaml", 1);
    auto rb = make_resource("StorageAccount", b, Json::object(), "x.yaml", 10);
    auto rc = make_resource("StorageAccount", c, Json::object(), "x.yaml", 20);
    ra.depends_on.push_back({b, Location{"x.yaml", 2, 3}, "dependsOn"});
    rb.depends_on.push_back({c, Location{"x.yaml", 11, 3}, "dependsOn"});
    rc.depends_on.push_back({a, Location{"x.yaml", 21, 3}, "dependsOn"});
    auto rg = make_resource("ResourceGroup", rid(), Json::object(), "x.yaml", 30);
    set.resources = {rc, rb, ra, rg};
    record_implied_edges(set);
    const Ordering o = topological_order(build_graph(set));
    CHECK(o.order.size() == 1);  // the group; the storage accounts wait on each other
    CHECK(o.diagnostics.to_string() ==
          "x.yaml:1:1: error: dependency cycle: StorageAccount/a -> StorageAccount/b (dependsOn at x.yaml:2:3) -> "
          "StorageAccount/c (dependsOn at x.yaml:11:3) -> StorageAccount/a (dependsOn at x.yaml:21:3)\n");
}
}

TEST_SUITE("graph") {
TEST_CASE("ties are ordered by id ignoring case, as ResourceId orders them") {
    DesiredSet set;
    const std::vector<std::string> names = {"Beta", "alpha", "GAMMA", "beta2", "Alpha1"};
    for (const auto& n : names) {
        set.resources.push_back(make_resource("StorageAccount", rid("Microsoft.Storage/storageAccounts", n), Json::object()));
    }
    set.resources.push_back(make_resource("ResourceGroup", rid(), Json::object()));
    record_implied_edges(set);
    const Graph g = build_graph(set);
    const auto order = topological_order(g).order;
    REQUIRE(order.size() == set.resources.size());
    CHECK(g.label(order[0]) == "ResourceGroup/rg");
    for (std::size_t k = 2; k < order.size(); ++k) {
        CHECK(g.id(order[k - 1]) < g.id(order[k]));
    }
    for (std::size_t k = 1; k < order.size(); ++k) {
        REQUIRE(g.deps(order[k]).size() == 1);
        CHECK(g.deps(order[k])[0].why == "parent");
        CHECK(g.deps(order[k])[0].to == order[0]);
    }
}
}

TEST_SUITE("graph") {
TEST_CASE("the order places the smallest ready id each time (random graphs with shared prefixes)") {
    std::mt19937 rng(7);
    for (int round = 0; round < 20; ++round) {
        const std::size_t n = 60 + rng() % 60;
        std::vector<GraphInput> inputs;
        std::vector<std::vector<Dependency>> deps(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::string ws = std::string(rng() % 2 ? "WS" : "ws") + std::to_string(rng() % 4);
            const std::string name = std::string(rng() % 2 ? "C" : "c") + std::to_string(rng() % 1000) + "-" +
                                     std::to_string(i);
            inputs.push_back({rid(k_ml + "/computes", ws + "/" + name), name, nullptr, nullptr, {}, nullptr});
        }
        for (std::size_t i = 1; i < n; ++i) {
            for (int k = 0; k < 3; ++k) {
                if (rng() % 3 == 0) {
                    deps[i].push_back({inputs[rng() % i].id, {}, "dependsOn"});
                }
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            inputs[i].depends_on = &deps[i];
        }
        const Graph g = build_graph(inputs);
        const auto order = topological_order(g).order;
        // Reference: the smallest id whose dependencies are all placed, each time.
        std::vector<bool> placed(n, false);
        std::vector<std::size_t> expected;
        while (expected.size() < n) {
            std::size_t best = n;
            for (std::size_t i = 0; i < n; ++i) {
                bool ready = !placed[i];
                for (const auto& e : g.deps(i)) {
                    ready = ready && placed[e.to];
                }
                if (ready && (best == n || g.id(i) < g.id(best))) {
                    best = i;
                }
            }
            REQUIRE(best < n);
            placed[best] = true;
            expected.push_back(best);
        }
        CHECK(order == expected);
    }
}
}

#include "converge/planner.hpp"
#include "manifest_helpers.hpp"

TEST_SUITE("graph") {
TEST_CASE("a cycle reads the same from the loader and the planner") {
    const auto loaded = converge::test::load_inline(
        {{"st.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata:\n  name: stdemo\n  dependsOn:\n"
                     "    - Workspace/mlw-demo\nspec:\n  kind: StorageV2\n  sku:\n    name: Standard_LRS\n"},
         {"ws.yaml", "apiVersion: converge/v1\nkind: Workspace\nmetadata:\n  name: mlw-demo\nspec:\n  properties:\n"
                     "    storageAccount: ${ref:StorageAccount/stdemo}\n"}},
        "defaults:\n  resourceGroup: rg-demo\n  location: westeurope\n");
    const std::string from_loader = loaded.diagnostics.to_string();
    CHECK(from_loader ==
          "ws.yaml:2:1: error: dependency cycle: Workspace/mlw-demo -> StorageAccount/stdemo (ref at ws.yaml:7:21) -> "
          "Workspace/mlw-demo (dependsOn at st.yaml:6:7)\n");
    const PlanResult planned = build_plan(loaded.desired, ObservedState{}, {});
    CHECK(planned.diagnostics.to_string() == from_loader);
}
}
