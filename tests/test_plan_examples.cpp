// The planner over the shipped examples, loaded by the real manifest loader.
#include "converge/diff.hpp"
#include "converge/manifest.hpp"
#include "converge/planner.hpp"
#include "converge/render.hpp"
#include "converge/saved_plan.hpp"

#include <doctest/doctest.h>

using namespace converge;

namespace {

LoadResult load_examples(const std::string& estate = "examples") {
    LoadOptions options;
    options.paths = {std::string(CONVERGE_SOURCE_DIR) + "/manifests/" + estate};
    options.require_environment = false;
    return load_manifests(options);
}

// From nothing: creates in dependency order, then a no-op once they exist.
void check_from_nothing(const std::string& estate) {
    CAPTURE(estate);
    const auto loaded = load_examples(estate);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    const auto first = build_plan(loaded.desired, ObservedState{}, {});
    REQUIRE_MESSAGE(first.ok(), first.diagnostics.to_string());
    // Every resource, and the container of the two model versions (a change of its own).
    CHECK(first.plan.count(Action::create) == loaded.desired.resources.size() + 1);
    // Every change comes after the changes it depends on.
    for (std::size_t i = 0; i < first.plan.changes.size(); ++i) {
        for (const auto& dep : first.plan.changes[i].depends_on) {
            bool before = false;
            for (std::size_t j = 0; j < i; ++j) {
                before = before || first.plan.changes[j].id == dep;
            }
            CHECK_MESSAGE(before, change_label(first.plan.changes[i]) << " before " << dep.str());
        }
    }
    // What the manifests PUT, read back as-is, is no change.
    ObservedState obs;
    for (const auto& r : loaded.desired.resources) {
        obs.resources[r.id] = r.body;
    }
    const auto second = build_plan(loaded.desired, obs, {});
    CHECK_MESSAGE(!second.plan.has_changes(), render_text(second.plan));
    // Renderings and the saved plan carry no secret value.
    const std::string saved = save_plan(first.plan, loaded.desired, ObservedState{});
    for (const auto& secret : loaded.desired.secret_values) {
        if (secret.size() >= 4) {
            CHECK(render_text(first.plan).find(secret) == std::string::npos);
            CHECK(render_json(first.plan).find(secret) == std::string::npos);
            CHECK(render_markdown(first.plan).find(secret) == std::string::npos);
            CHECK(saved.find(secret) == std::string::npos);
        }
    }
}

}  // namespace

TEST_SUITE("plan_examples") {
TEST_CASE("manifests/examples from nothing: creates in dependency order, then a no-op once they exist") {
    check_from_nothing("examples");
}

TEST_CASE("manifests/mlops-endpoint from nothing: creates in dependency order, then a no-op once they exist") {
    check_from_nothing("mlops-endpoint");
}
}
