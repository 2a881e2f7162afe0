// Ignore rules (docs/sync.md "Ignore rules"): metadata.ignore and converge.yaml `ignore:` load into
// Resource::ignore, bad paths and kinds are file:line:col errors, the differ hides what they match
// (counted per resource and shown in the plan), and end to end an Azure Policy tag is silenced.
#include "e2e_fixture.hpp"
#include "manifest_helpers.hpp"

#include "converge/diff.hpp"
#include "converge/render.hpp"
#include "converge/sync.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::test::load_inline;
using converge::testing::E2e;
using converge::testing::require_converged;
using converge::testing::require_ok;

namespace {

const std::string k_config = "apiVersion: converge/v1\nstack: ign\ndefaults: {resourceGroup: rg-ign, location: westeurope}\n";

const std::string k_storage = R"(apiVersion: converge/v1
kind: StorageAccount
metadata:
  name: stign
  ignore: [properties.networkAcls.*]
spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {team: data}}
)";

}  // namespace

TEST_SUITE("ignore") {

TEST_CASE("ignore rules load from metadata.ignore, then converge.yaml's '*' and the kind's") {
    const auto loaded = load_inline({{"st.yaml", k_storage}},
                                    k_config + "ignore:\n  '*': [tags.costCenter]\n  StorageAccount: [sku.tier]\n"
                                               "  Workspace: [properties.description]\n");
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    REQUIRE(loaded.desired.resources.size() == 1);
    CHECK(loaded.desired.resources[0].ignore ==
          std::vector<std::string>{"properties.networkAcls.*", "tags.costCenter", "sku.tier"});
}

TEST_CASE("bad ignore paths and kinds are errors at their line and column") {
    const auto bad_path = load_inline({{"st.yaml", R"(apiVersion: converge/v1
kind: StorageAccount
metadata:
  name: stign
  ignore: ["tags..x"]
spec: {kind: StorageV2, sku: {name: Standard_LRS}}
)"}},
                                      k_config);
    CHECK(bad_path.diagnostics.has_errors());
    CHECK_MESSAGE(bad_path.diagnostics.to_string().find("st.yaml:5:") != std::string::npos,
                  bad_path.diagnostics.to_string());

    const auto bad_kind = load_inline({{"st.yaml", k_storage}}, k_config + "ignore:\n  StorageAcount: [tags.x]\n");
    CHECK(bad_kind.diagnostics.has_errors());
    const std::string text = bad_kind.diagnostics.to_string();
    CHECK_MESSAGE(text.find("converge.yaml:5:3: error: ignore: unknown kind \"StorageAcount\" (did you mean "
                            "\"StorageAccount\"?)") != std::string::npos,
                  text);

    const auto not_a_list = load_inline({{"st.yaml", k_storage}}, k_config + "ignore:\n  '*': tags.x\n");
    CHECK(not_a_list.diagnostics.has_errors());
    CHECK(not_a_list.diagnostics.to_string().find("converge.yaml:5:") != std::string::npos);
}

TEST_CASE("the differ hides what ignore rules match, counts it, and never hides a create") {
    auto loaded = load_inline({{"st.yaml", k_storage}}, k_config + "ignore:\n  '*': [tags.costCenter]\n");
    REQUIRE(!loaded.diagnostics.has_errors());
    const Resource& r = loaded.desired.resources[0];
    Json observed = r.body;
    observed["tags"]["costCenter"] = "cc-42";                           // added by a policy
    observed["properties"]["networkAcls"] = {{"defaultAction", "Deny"}};  // not in the manifest: not compared
    Change c = diff_resource(r, &observed);
    CHECK(c.action == Action::noop);
    CHECK(c.ignored == 1);

    Resource desired_acl = r;
    desired_acl.body["properties"]["networkAcls"] = {{"defaultAction", "Allow"}, {"bypass", "AzureServices"}};
    Change acl = diff_resource(desired_acl, &observed);
    CHECK(acl.action == Action::noop);  // properties.networkAcls.* hides both
    CHECK(acl.ignored == 3);

    observed["tags"]["team"] = "other";
    Change team = diff_resource(r, &observed);
    CHECK(team.action == Action::update);
    REQUIRE(team.fields.size() == 1);
    CHECK(team.fields[0].path == "/tags/team");
    CHECK(team.ignored == 1);

    Change create = diff_resource(desired_acl, nullptr);
    CHECK(create.action == Action::create);
    CHECK(create.ignored == 0);

    Plan plan;
    plan.changes = {c};
    CHECK(render_text(plan) ==
          "No changes. Azure matches the manifests.\n\nDifferences hidden by ignore rules:\n"
          "    StorageAccount/stign: 1 field ignored\n");
    plan.changes = {team};
    CHECK(render_text(plan).find("      (1 field ignored)\n") != std::string::npos);
    CHECK(plan_to_json(plan)["changes"][0]["ignored"] == 1);
}

}  // TEST_SUITE

TEST_SUITE("e2e") {

TEST_CASE("ignore rules: a tag an Azure Policy adds is silenced in plan and sync, and apply leaves it be") {
    E2e e2e;
    const std::map<std::string, std::string> files = {
        {"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-ign}\nspec: {}\n"},
        {"st.yaml", k_storage}};
    auto with_rule = e2e.load(files, k_config + "ignore:\n  '*': [tags.costCenter]\n");
    REQUIRE_MESSAGE(!with_rule.diagnostics.has_errors(), with_rule.diagnostics.to_string());
    auto without = e2e.load(files, k_config);
    REQUIRE(!without.diagnostics.has_errors());
    require_ok(e2e.apply(with_rule.desired));

    // The policy's "modify" effect adds a costCenter tag to every resource.
    const std::string st = "/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-ign/providers/Microsoft.Storage/"
                           "storageAccounts/stign";
    for (const auto& [id, api] : {std::pair{st, std::string("2023-05-01")},
                                  std::pair{"/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-ign",
                                            std::string("2021-04-01")}}) {
        auto body = e2e.api().get(id, api);
        REQUIRE(body);
        Json put = {{"location", (*body)["location"]}, {"tags", (*body)["tags"]}};
        for (const char* k : {"kind", "sku"}) {
            if (body->contains(k)) {
                put[k] = (*body)[k];
            }
        }
        put["tags"]["costCenter"] = "cc-42";
        REQUIRE(e2e.client().put(id, api, put));
    }
    e2e.reset_counts();

    const PlanResult noisy = e2e.plan(without.desired);
    CHECK(testing::changes_of(noisy.plan) == "update ResourceGroup/rg-ign\nupdate StorageAccount/stign\n");

    SyncTickOptions options;
    options.mode = SyncMode::correct;
    const SyncTickResult quiet = sync_tick(with_rule.desired, e2e.api(), options);
    REQUIRE(quiet.ok());
    CHECK(quiet.differences() == 0);
    CHECK(e2e.writes() == 0);
    const std::string text = render_text(quiet.plan);
    CHECK(text.find("ResourceGroup/rg-ign: 1 field ignored") != std::string::npos);
    CHECK(text.find("StorageAccount/stign: 1 field ignored") != std::string::npos);
    require_converged(e2e, with_rule.desired);
}

}  // TEST_SUITE
