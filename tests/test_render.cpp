#include "converge/render.hpp"
#include "plan_fixtures.hpp"

#include <doctest/doctest.h>

#include "schema/valijson_json.hpp"
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace converge;
using converge::test::rid;

namespace {

const std::string k_ml = "Microsoft.MachineLearningServices/workspaces";

FieldChange field(std::string path, std::optional<Json> before, std::optional<Json> after, bool sensitive = false,
                  bool forces = false) {
    return {std::move(path), std::move(before), std::move(after), sensitive, forces};
}

Change change(Action a, Reason r, const ResourceId& id, std::string kind, std::vector<FieldChange> fields,
              std::string detail = "", int line = 1) {
    Change c;
    c.id = id;
    c.kind = std::move(kind);
    c.action = a;
    c.reason = r;
    c.reason_detail = std::move(detail);
    c.fields = std::move(fields);
    c.location = line ? Location{"m.yaml", line, 1} : Location{};
    return c;
}

Plan sample() {
    Plan p;
    p.changes.push_back(change(Action::create, Reason::absent, rid(), "ResourceGroup",
                               {field("/location", std::nullopt, Json("westeurope"))}));
    p.changes.push_back(change(Action::noop, Reason::none, rid("Microsoft.Storage/storageAccounts", "sa"),
                               "StorageAccount", {}, "", 5));
    p.changes.push_back(change(Action::create, Reason::absent, rid(k_ml + "/computes", "ws/cpu"), "Compute",
                               {field("/properties/computeType", std::nullopt, Json("AmlCompute")),
                                field("/properties/properties/userAccountCredentials/adminUserPassword", std::nullopt,
                                      Json("(sensitive)"), true)},
                               "", 10));
    p.changes.push_back(change(Action::update, Reason::drift, rid(k_ml + "/computes", "ws/train"), "Compute",
                               {field("/properties/properties/scaleSettings/maxNodeCount", Json(2), Json(4)),
                                field("/tags/cost", Json("x"), std::nullopt)},
                               "", 20));
    p.changes.push_back(change(Action::replace, Reason::create_only_field, rid(k_ml + "/computes", "ws/gpu"),
                               "Compute",
                               {field("/properties/properties/vmSize", Json("STANDARD_NC6"), Json("STANDARD_NC12"),
                                      false, true)},
                               "properties.properties.vmSize cannot be changed in place", 30));
    p.changes.push_back(change(Action::remove, Reason::pruned, rid(k_ml + "/computes", "ws/old"), "Compute", {}, "", 0));
    p.changes.back().depends_on.push_back(rid(k_ml, "ws"));
    p.changes.push_back(change(Action::adopt, Reason::untagged, rid("Microsoft.KeyVault/vaults", "kv"), "KeyVault",
                               {field("/tags/converge-stack", std::nullopt, Json("prod")),
                                field("/tags/managed-by", std::nullopt, Json("converge"))},
                               "exists without ownership tags (metadata.adopt)", 40));
    p.changes.push_back(change(Action::keep, Reason::holds_unowned, rid("Microsoft.Storage/storageAccounts", "st"),
                               "StorageAccount", {},
                               "holds 1 resource this stack does not own: Compute/x (stack other)", 0));
    p.orphans.push_back(change(Action::noop, Reason::pruned, rid(k_ml + "/computes", "ws/left"), "Compute", {}, "", 0));
    return p;
}

const std::string k_rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg";
const std::string k_c = k_rg + "/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/";

const PlanHeader k_header = {"0.1.0-test", "prod", {"00000000-0000-0000-0000-000000000001"}, "2026-12-07T15:30:00Z",
                              "sha256:" + std::string(64, 'a')};

std::vector<std::string> validate(const Json& doc) {
    std::ifstream in(std::string(CONVERGE_SOURCE_DIR) + "/schemas/plan.schema.json");
    REQUIRE(in);
    const Json schema_doc = Json::parse(in);
    valijson::Schema schema;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
    parser.populateSchema(schema_adapter, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    std::vector<std::string> errors;
    if (!validator.validate(schema, target, &results)) {
        valijson::ValidationResults::Error e;
        while (results.popError(e)) {
            errors.push_back(e.description);
        }
    }
    return errors;
}

// tests/data/golden/<name>: compared exactly. CONVERGE_UPDATE_GOLDEN=1 rewrites the files
// (then review the diff before committing).
void check_golden(const std::string& name, const std::string& actual) {
    const std::string path = std::string(CONVERGE_TEST_DATA) + "/golden/" + name;
    if (const char* update = std::getenv("CONVERGE_UPDATE_GOLDEN"); update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
    }
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, "missing golden file " << path);
    std::stringstream expected;
    expected << in.rdbuf();
    CHECK_MESSAGE(actual == expected.str(), name << " differs from " << path << "; got:\n" << actual);
}

}  // namespace

TEST_SUITE("render") {
TEST_CASE("golden files: text, colour text, JSON and markdown of one plan with every action") {
    check_golden("plan.txt", render_text(sample()));
    check_golden("plan.color.txt", render_text(sample(), {true}));
    check_golden("plan.json", render_json(sample(), k_header));
    check_golden("plan.md", render_markdown(sample()));
    check_golden("plan-empty.txt", render_text(Plan{}));
    check_golden("plan-empty.md", render_markdown(Plan{}));
}

TEST_CASE("text: golden") {
    const std::string expected = "converge will perform the following actions:\n"
                                 "\n"
                                 "  + ResourceGroup/rg will be created\n"
                                 "      id: " + k_rg + "\n"
                                 "      + location: \"westeurope\"\n"
                                 "\n"
                                 "  + Compute/cpu will be created\n"
                                 "      id: " + k_c + "cpu\n"
                                 "      + properties.computeType: \"AmlCompute\"\n"
                                 "      + properties.properties.userAccountCredentials.adminUserPassword: (sensitive)\n"
                                 "\n"
                                 "  ~ Compute/train will be updated in-place\n"
                                 "      id: " + k_c + "train\n"
                                 "      ~ properties.properties.scaleSettings.maxNodeCount: 2 -> 4\n"
                                 "      - tags.cost: \"x\" (removed)\n"
                                 "\n"
                                 "-/+ Compute/gpu must be replaced: properties.properties.vmSize cannot be changed in place\n"
                                 "      id: " + k_c + "gpu\n"
                                 "      ~ properties.properties.vmSize: \"STANDARD_NC6\" -> \"STANDARD_NC12\"  # forces replacement\n"
                                 "\n"
                                 "  - Compute/old will be deleted (pruned: tagged with this stack, no longer in the manifests)\n"
                                 "      id: " + k_c + "old\n"
                                 "\n"
                                 "Plan: 2 to create, 1 to update, 1 to replace, 1 to delete.\n";
    Plan p = sample();
    p.changes.resize(6);  // without the adopt, the keep and the orphan (plan.txt has them)
    p.orphans.clear();
    CHECK(render_text(p) == expected);
}

TEST_CASE("text: colours only when asked") {
    CHECK(render_text(sample()).find('\x1b') == std::string::npos);
    const auto coloured = render_text(sample(), {true});
    CHECK(coloured.find("  \x1b[32m+\x1b[0m ResourceGroup/rg will be created") != std::string::npos);
    CHECK(coloured.find("\x1b[31m-/+\x1b[0m Compute/gpu") != std::string::npos);
}

TEST_CASE("text: no changes") {
    Plan p;
    p.changes.push_back(change(Action::noop, Reason::none, rid(), "ResourceGroup", {}));
    CHECK(render_text(p) == "No changes. Azure matches the manifests.\n");
    CHECK(summary_line(p) == "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete.");
}

TEST_CASE("json: golden summary and change, validates against schemas/plan.schema.json") {
    const Json j = Json::parse(render_json(sample(), k_header));
    CHECK(validate(j).empty());
    // The header: what made the plan, from which manifests, for which subscriptions, when.
    CHECK(j["format_version"] == "1.0");
    CHECK(j["converge_version"] == "0.1.0-test");
    CHECK(j["stack"] == "prod");
    CHECK(j["subscriptions"] == Json::array({"00000000-0000-0000-0000-000000000001"}));
    CHECK(j["created_at"] == "2026-12-07T15:30:00Z");
    CHECK(j["inputs_digest"] == k_header.inputs_digest);
    const std::string text = render_json(sample(), k_header);
    CHECK(text.find("\"format_version\"") < text.find("\"summary\""));  // the header comes first
    for (const char* key : {"converge_version", "stack", "subscriptions", "created_at", "inputs_digest"}) {
        Json missing = j;
        missing.erase(key);
        CHECK_MESSAGE(!validate(missing).empty(), key);
    }
    Json old = j;
    old["format_version"] = 1;  // before the header: not this contract
    CHECK_FALSE(validate(old).empty());
    Json minor = j;
    minor["format_version"] = "1.7";  // a later minor version validates: only additions
    CHECK(validate(minor).empty());
    CHECK(j["summary"] == Json::parse(R"({"create":2,"update":1,"replace":1,"delete":1,"adopt":1,"keep":1,"no_op":1,
                                          "orphans":1,"has_changes":true,"destructive":true})"));
    CHECK(j["changes"].size() == 7);
    CHECK(j["orphans"] == Json::parse(R"([{"id":")" + k_c + R"(left","kind":"Compute","name":"Compute/left"}])"));
    CHECK(j["changes"][3] == Json::parse(R"({"id":")" + k_c + R"(gpu","kind":"Compute","name":"Compute/gpu",
        "action":"replace","reason":"create-only-field",
        "reason_detail":"properties.properties.vmSize cannot be changed in place",
        "fields":[{"path":"/properties/properties/vmSize","before":"STANDARD_NC6","after":"STANDARD_NC12",
                   "sensitive":false,"forces_replace":true}],
        "depends_on":[],"location":{"file":"m.yaml","line":30,"column":1}})"));
    CHECK(j["changes"][4]["location"].is_null());
    Json bad = j;
    bad["changes"][0]["action"] = "explode";
    CHECK_FALSE(validate(bad).empty());
}

TEST_CASE("json: sensitive values are redacted even if a caller forgot") {
    Plan p = sample();
    p.changes[2].fields[1].after = Json("hunter2");
    const auto text = render_json(p);
    CHECK(text.find("hunter2") == std::string::npos);
    CHECK(text.find("(sensitive)") != std::string::npos);
}

TEST_CASE("json: reads back what it wrote") {
    std::string error;
    const auto back = plan_from_json(plan_to_json(sample()), error);
    REQUIRE_MESSAGE(back, error);
    CHECK(render_text(*back) == render_text(sample()));
    CHECK(back->changes[4].depends_on.at(0) == rid(k_ml, "ws"));
    const auto rendered = plan_from_json(Json::parse(render_json(sample(), k_header)), error);  // "1.0" reads too
    REQUIRE_MESSAGE(rendered, error);
    CHECK(render_text(*rendered) == render_text(sample()));
    Json future = plan_to_json(sample());
    future["format_version"] = 2;
    CHECK_FALSE(plan_from_json(future, error));
    CHECK(error == "unsupported plan format_version 2 (expected 1)");
}

TEST_CASE("markdown: golden") {
    Plan p;
    p.changes.push_back(sample().changes[3]);
    p.changes.push_back(sample().changes[4]);
    const std::string expected =
        "### converge plan\n"
        "\n"
        "**Plan: 0 to create, 1 to update, 1 to replace, 0 to delete.**\n"
        "\n"
        "> [!WARNING]\n"
        "> This plan deletes or replaces resources:\n"
        "> - **replace** `Compute/gpu`: properties.properties.vmSize cannot be changed in place\n"
        "\n"
        "| Action | Resource | Reason |\n"
        "|---|---|---|\n"
        "| ~ update | `Compute/train` | 2 field(s) differ |\n"
        "| -/+ replace | `Compute/gpu` | properties.properties.vmSize cannot be changed in place |\n"
        "\n"
        "<details><summary>~ update <code>Compute/train</code></summary>\n"
        "\n"
        "`" + k_c + "train`\n"
        "\n"
        "```diff\n"
        "! properties.properties.scaleSettings.maxNodeCount: 2 -> 4\n"
        "- tags.cost: \"x\"\n"
        "```\n"
        "\n"
        "</details>\n"
        "\n"
        "<details><summary>-/+ replace <code>Compute/gpu</code></summary>\n"
        "\n"
        "`" + k_c + "gpu`\n"
        "\n"
        "```diff\n"
        "! properties.properties.vmSize: \"STANDARD_NC6\" -> \"STANDARD_NC12\"  # forces replacement\n"
        "```\n"
        "\n"
        "</details>\n"
        "\n";
    CHECK(render_markdown(p) == expected);
    CHECK(render_markdown(Plan{}) == "### converge plan\n\n**No changes.** Azure matches the manifests.\n");
    PlanHeader header;
    header.stack = "prod";
    header.subscriptions = {"00000000-0000-0000-0000-000000000001"};
    CHECK(render_markdown(Plan{}, header, "production") ==
          "### converge plan: stack `prod` · subscription `00000000-0000-0000-0000-000000000001` · environment "
          "`production`\n\n**No changes.** Azure matches the manifests.\n");
    header.subscriptions.push_back("00000000-0000-0000-0000-000000000002");
    CHECK(render_markdown(Plan{}, header, "").starts_with(
        "### converge plan: stack `prod` · subscriptions `00000000-0000-0000-0000-000000000001`, "
        "`00000000-0000-0000-0000-000000000002`\n\n"));
}

TEST_CASE("markdown: a huge plan stays under the limit and says it was truncated") {
    Plan p;
    for (int i = 0; i < 5000; ++i) {
        p.changes.push_back(change(Action::create, Reason::absent, rid(k_ml + "/computes", "ws/c" + std::to_string(i)),
                                   "Compute", {field("/properties/description", std::nullopt, Json(std::string(40, 'x')))}));
    }
    p.changes.push_back(change(Action::remove, Reason::pruned, rid(k_ml + "/computes", "ws/zz"), "Compute", {}));
    const auto md = render_markdown(p);
    CHECK(md.size() <= k_markdown_limit);
    CHECK(md.rfind("### converge plan\n\n**Plan: 5000 to create, 0 to update, 0 to replace, 1 to delete.**", 0) == 0);
    CHECK(md.find("> - **delete** `Compute/zz`") != std::string::npos);  // destructive changes come first
    CHECK(md.find("_Truncated to stay under 60000 characters: 0 of 5001 changes are detailed here.") != std::string::npos);
    const auto small = render_markdown(p, 2000);
    CHECK(small.size() <= 2000);
    CHECK(small.find("_Truncated") != std::string::npos);
    CHECK(render_markdown(sample()).find("_Truncated") == std::string::npos);
}
}
