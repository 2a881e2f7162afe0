// End-to-end secret rotation (docs/secrets.md) against the emulator: apply with secret A, plan is
// empty; the variable becomes B, plan shows the change without A or B; apply sends B; plan is empty.
#include "e2e_fixture.hpp"

#include "converge/render.hpp"
#include "converge/saved_plan.hpp"
#include "converge/secret_digest.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::testing::E2e;

namespace {

const std::string k_a = R"(Rot"A\secret-0001)";
const std::string k_b = R"(Rot"B\secret-0002)";

std::string config(const std::string& secret) {
    return "apiVersion: converge/v1\nstack: rotate\ndefaults:\n  resourceGroup: rg-rot\n  location: westeurope\n"
           "variables:\n  pw:\n    sensitive: true\n    value: " + Json(secret).dump() + "\n";
}

const std::map<std::string, std::string> k_files = {
    {"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-rot}\nspec: {}\n"},
    {"sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: strot}\n"
                "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {pw: \"${var:pw}\", team: a}}\n"}};

void check_absent(const std::string& text) {
    for (const std::string& secret : {k_a, k_b}) {
        const std::string escaped = Json(secret).dump();
        CHECK_FALSE(text.find(secret) != std::string::npos);
        CHECK_FALSE(text.find(escaped.substr(1, escaped.size() - 2)) != std::string::npos);
    }
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("secret rotation: a changed sensitive variable is planned without its values and applied") {
    E2e e2e;
    auto loaded_a = e2e.load(k_files, config(k_a));
    REQUIRE_MESSAGE(!loaded_a.diagnostics.has_errors(), loaded_a.diagnostics.to_string());
    const DesiredSet a = std::move(loaded_a.desired);
    REQUIRE(e2e.apply(a).ok());
    const auto first = e2e.plan(a);
    CHECK_MESSAGE(!first.plan.has_changes(), render_text(first.plan));

    auto loaded_b = e2e.load(k_files, config(k_b));
    REQUIRE_MESSAGE(!loaded_b.diagnostics.has_errors(), loaded_b.diagnostics.to_string());
    const DesiredSet b = std::move(loaded_b.desired);
    const ObservedState before = e2e.observe(b);
    const auto rotated = e2e.plan(b);
    REQUIRE(rotated.plan.count(Action::update) == 1);
    const std::string text = render_text(rotated.plan);
    CHECK(text.find("~ tags.pw: (sensitive) -> (sensitive)") != std::string::npos);
    check_absent(text);
    check_absent(render_json(rotated.plan));
    check_absent(render_markdown(rotated.plan));
    check_absent(save_plan(rotated.plan, b, before));
    check_absent(rotated.diagnostics.to_string());

    const ApplyResult applied = e2e.apply(b);
    REQUIRE(applied.ok());
    const ObservedState after = e2e.observe(b);
    const ResourceId sa = b.resources.back().id;
    REQUIRE(after.find(sa) != nullptr);
    CHECK(after.find(sa)->at("tags").at("pw") == k_b);  // the emulator received B
    CHECK(after.find(sa)->at("tags").at("team") == "a");
    const std::string* record = secrets::recorded(*after.find(sa), *b.resources.back().kind);
    REQUIRE(record != nullptr);
    check_absent(*record);

    const auto last = e2e.plan(b);
    CHECK_MESSAGE(!last.plan.has_changes(), render_text(last.plan));
    // Going back to A is a change again.
    CHECK(e2e.plan(a).plan.count(Action::update) == 1);
}

}  // TEST_SUITE
