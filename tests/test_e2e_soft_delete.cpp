// Soft-delete end to end (issue 15 item 4): a destroyed key vault stays soft-deleted, so applying
// the stack again would fail mid-apply in Azure. The plan says so instead, naming the vault;
// --recover restores it (createMode: recover) and --purge-soft-deleted purges it first, and
// either way the next plan is empty. Observe reads the deleted vaults only when a vault is to be
// created: a converged estate costs no extra request.
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/render.hpp"

#include <doctest/doctest.h>

#include <atomic>

using namespace converge;
using converge::testing::E2e;
using converge::testing::require_converged;
using converge::testing::require_ok;
using converge::testing::changes_of;

namespace {

const std::string k_config = R"(apiVersion: converge/v1
stack: vaults
defaults:
  resourceGroup: rg-kv
  location: westeurope
)";

std::map<std::string, std::string> stack_files() {
    return {
        {"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-kv}\nspec: {}\n"},
        {"kv.yaml", R"(apiVersion: converge/v1
kind: KeyVault
metadata: {name: kv-soft}
spec:
  tags: {team: ml}
  properties:
    tenantId: ${var:tenant}
    sku: {family: A, name: standard}
)"},
    };
}

DesiredSet load(E2e& e2e) {
    auto loaded = e2e.load(stack_files(), k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

// Applied, then destroyed: the vault is soft-deleted.
struct Destroyed {
    E2e e2e;
    DesiredSet desired;
    std::string vault;
    std::string deleted;

    Destroyed() : desired(load(e2e)) {
        vault = "/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-soft";
        deleted = "/subscriptions/" + e2e.subscription() +
                  "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-soft";
        require_ok(e2e.apply(desired));
        require_ok(e2e.apply(desired, PlanOptions{false, true}));
        REQUIRE_FALSE(e2e.api().get(vault, "2023-07-01"));
        REQUIRE(e2e.api().get(deleted, "2023-07-01"));
    }
};

// Counts the lists observe sends, by path.
class CountingApi : public ArmApi {
public:
    explicit CountingApi(ArmApi& inner) : m_inner(inner) {}
    ApiResult<Json> get(const std::string& path, const std::string& v) override { return m_inner.get(path, v); }
    ApiResult<std::vector<Json>> list(const std::string& path, const std::string& v, const Query& q) override {
        ++lists;
        if (path.find("deletedVaults") != std::string::npos) {
            ++deleted_lists;
        }
        return m_inner.list(path, v, q);
    }
    ApiResult<std::unique_ptr<Operation>> begin(const WriteRequest& r) override { return m_inner.begin(r); }
    std::atomic<int> lists{0};
    std::atomic<int> deleted_lists{0};

private:
    ArmApi& m_inner;
};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("soft-delete: applying a destroyed key vault again is a plan error naming the soft-deleted vault") {
    Destroyed d;
    const auto planned = d.e2e.plan(d.desired);
    REQUIRE_FALSE(planned.ok());
    const std::string text = planned.diagnostics.to_string();
    CHECK_MESSAGE(text.find("kv.yaml:") == 0, text);
    CHECK_MESSAGE(text.find("error: KeyVault/kv-soft cannot be created: a key vault of that name was deleted and is "
                            "soft-deleted (it was " + d.vault + "), and Azure refuses the name until it is recovered or "
                            "purged. Pass --recover to restore it (createMode: recover), or --purge-soft-deleted to "
                            "purge it for good and create it anew (destructive)") != std::string::npos,
                  text);
    // Without the check, Azure's answer mid-apply: 409 ConflictError.
    REQUIRE(d.e2e.client().put("/subscriptions/" + d.e2e.subscription() + "/resourceGroups/rg-kv", "2021-04-01",
                               Json{{"location", "westeurope"}}));
    Json body = Json::parse(R"({"location":"westeurope","properties":{"sku":{"family":"A","name":"standard"}}})");
    body["properties"]["tenantId"] = d.e2e.emu().credentials().tenant_id;
    const auto put = d.e2e.client().put(d.vault, "2023-07-01", body);
    REQUIRE_FALSE(put);
    CHECK(put.error().status == 409);
    CHECK(put.error().code == "ConflictError");
    CHECK(put.error().message.find("already exists in deleted state") != std::string::npos);
}

TEST_CASE("soft-delete: --recover restores the vault with createMode recover; the next plan is empty") {
    Destroyed d;
    PlanOptions recover;
    recover.recover = true;
    const auto planned = d.e2e.plan(d.desired, recover);
    REQUIRE_MESSAGE(planned.ok(), planned.diagnostics.to_string());
    CHECK(changes_of(planned.plan) == "create ResourceGroup/rg-kv\ncreate KeyVault/kv-soft\n");
    CHECK_FALSE(planned.plan.destructive());
    const std::string text = render_text(planned.plan);
    CHECK_MESSAGE(text.find("KeyVault/kv-soft will be recovered from soft-delete (--recover, createMode: recover)") != std::string::npos,
                  text);
    CHECK(text.find("+ properties.createMode: \"recover\"") != std::string::npos);
    require_ok(d.e2e.apply(d.desired, recover));
    CHECK_FALSE(d.e2e.api().get(d.deleted, "2023-07-01"));
    const auto vault = d.e2e.api().get(d.vault, "2023-07-01");
    REQUIRE(vault);
    CHECK_FALSE(vault->at("properties").contains("createMode"));  // a request-only field
    require_converged(d.e2e, d.desired);
}

TEST_CASE("soft-delete: --purge-soft-deleted purges first (destructive), then creates; the next plan is empty") {
    Destroyed d;
    PlanOptions purge;
    purge.purge_soft_deleted = true;
    const auto planned = d.e2e.plan(d.desired, purge);
    REQUIRE_MESSAGE(planned.ok(), planned.diagnostics.to_string());
    CHECK(changes_of(planned.plan) == "create ResourceGroup/rg-kv\ncreate KeyVault/kv-soft\n");
    CHECK(planned.plan.destructive());
    const std::string text = render_text(planned.plan);
    CHECK_MESSAGE(text.find("KeyVault/kv-soft will be created AFTER PURGING the soft-deleted vault of that name "
                            "(--purge-soft-deleted), whose keys, secrets and certificates are lost for good") != std::string::npos,
                  text);
    // A saved plan keeps the choice.
    std::string error;
    const auto saved = plan_from_json(Json::parse(render_json(planned.plan)), error);
    REQUIRE_MESSAGE(saved, error);
    CHECK(saved->changes.at(1).reason == Reason::purge_soft_deleted);
    CHECK(saved->destructive());
    require_ok(d.e2e.apply(d.desired, purge));
    CHECK_FALSE(d.e2e.api().get(d.deleted, "2023-07-01"));
    CHECK(d.e2e.api().get(d.vault, "2023-07-01"));
    require_converged(d.e2e, d.desired);
}

TEST_CASE("soft-delete: --recover and --purge-soft-deleted exclude each other") {
    Destroyed d;
    PlanOptions both;
    both.recover = true;
    both.purge_soft_deleted = true;
    const auto planned = d.e2e.plan(d.desired, both);
    REQUIRE_FALSE(planned.ok());
    CHECK(planned.diagnostics.to_string().find("--recover and --purge-soft-deleted exclude each other") !=
          std::string::npos);
}

TEST_CASE("soft-delete: observe lists the deleted vaults only when the plan creates a vault") {
    E2e e2e;
    const DesiredSet desired = load(e2e);
    {
        CountingApi api(e2e.api());
        ObserveOptions options;
        options.find_orphans = true;
        REQUIRE(converge::observe(desired, api, options));
        CHECK(api.deleted_lists == 1);  // the vault is absent: its name is checked
    }
    require_ok(e2e.apply(desired));
    CountingApi api(e2e.api());
    ObserveOptions options;
    options.find_orphans = true;
    const auto observed = converge::observe(desired, api, options);
    REQUIRE(observed);
    CHECK(api.deleted_lists == 0);  // converged: no extra request
    CHECK(observed->soft_deleted.empty());
    options.mode = RefreshMode::per_resource;
    REQUIRE(converge::observe(desired, api, options));
    CHECK(api.deleted_lists == 0);
}

TEST_CASE("soft-delete through the binary: plan error (exit 1), --purge-soft-deleted is destructive (exit 3), --recover applies") {
    converge::testing::CliStack stack("e2e-soft-delete");
    stack.write("converge.yaml", k_config);
    stack.write("kv.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-kv}\nspec: {}\n---\n"
                           "apiVersion: converge/v1\nkind: KeyVault\nmetadata: {name: kv-cli}\nspec:\n  properties:\n"
                           "    tenantId: 00000000-0000-0000-0000-000000000001\n    sku: {family: A, name: standard}\n");
    REQUIRE(stack.converge("apply --auto-approve").code == 0);
    REQUIRE(stack.converge("destroy --auto-approve").code == 0);
    const converge::testing::Run refused = stack.converge("plan");
    CHECK(refused.code == 1);
    CHECK_MESSAGE(refused.err.find("error: KeyVault/kv-cli cannot be created: a key vault of that name was deleted and "
                                   "is soft-deleted") != std::string::npos,
                  refused.err);
    CHECK(stack.converge("plan --recover --purge-soft-deleted").code != 0);
    CHECK(stack.converge("plan --detailed-exitcode --purge-soft-deleted").code == 3);
    CHECK(stack.converge("plan --detailed-exitcode --recover").code == 2);
    const converge::testing::Run recovered = stack.converge("apply --auto-approve --recover");
    CHECK_MESSAGE(recovered.code == 0, (recovered.out + recovered.err));
    CHECK(stack.converge("plan --detailed-exitcode").code == 0);
}

}  // TEST_SUITE
