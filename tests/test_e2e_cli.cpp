// End-to-end through the `converge` binary with --emulator: exit codes, confirmation refusal
// without a TTY, invalid manifests, secrets in output.
#include "cli_stack.hpp"

#include <doctest/doctest.h>

using converge::testing::Run;

namespace {

const std::string k_secret = "Sup3r-Secret-CLI-value";

// A resource group and a storage account whose tag holds a secret.
class CliStack : public converge::testing::CliStack {
public:
    CliStack() : converge::testing::CliStack("e2e-cli") {
        write("converge.yaml", "apiVersion: converge/v1\nstack: cli\ndefaults:\n  resourceGroup: rg-cli\n"
                               "  location: westeurope\n  workspace: ws-cli\nvariables:\n  pw:\n    sensitive: true\n"
                               "    value: " + k_secret + "\n");
        write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-cli}\nspec: {}\n");
        write("sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stcli}\n"
                         "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {pw: \"${var:pw}\"}}\n");
    }
};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("converge binary: refuse without a TTY, apply, plan empty, detailed exit codes") {
    CliStack stack;
    const Run refused = stack.converge("apply");
    CHECK(refused.code == 1);
    CHECK(refused.err.find("--auto-approve") != std::string::npos);

    const Run applied = stack.converge("apply --auto-approve");
    CHECK_MESSAGE(applied.code == 0, (applied.out + applied.err));
    CHECK(applied.out.find("Apply complete: 2 done") != std::string::npos);

    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));

    stack.write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-cli}\nspec: {tags: {a: b}}\n");
    CHECK(stack.converge("plan --detailed-exitcode").code == 2);
    stack.write("sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stcli}\n"
                           "spec: {kind: StorageV2, sku: {name: Standard_LRS}, location: northeurope}\n");
    CHECK(stack.converge("plan --detailed-exitcode").code == 3);

    const Run json_apply = stack.converge("--log-format json apply --auto-approve");
    CHECK_MESSAGE(json_apply.code == 0, (json_apply.out + json_apply.err));
    CHECK(json_apply.out.find("\"type\":\"apply_finished\"") != std::string::npos);
    for (const auto& r : {refused, applied, plan, json_apply,
                          stack.converge("plan --format json"), stack.converge("plan --format markdown")}) {
        CHECK(r.out.find(k_secret) == std::string::npos);
        CHECK(r.err.find(k_secret) == std::string::npos);
    }
    const Run destroyed = stack.converge("destroy --auto-approve");
    CHECK_MESSAGE(destroyed.code == 0, (destroyed.out + destroyed.err));
}

TEST_CASE("converge binary: an invalid manifest is an error before anything is sent") {
    CliStack stack;
    stack.write("bad.yaml", "apiVersion: converge/v1\nkind: Compte\nmetadata: {name: x}\n");
    const Run run = stack.converge("apply --auto-approve");
    CHECK(run.code == 1);
    CHECK(run.err.find("bad.yaml") != std::string::npos);
    CHECK(run.out.find("Apply") == std::string::npos);
}

}  // TEST_SUITE
