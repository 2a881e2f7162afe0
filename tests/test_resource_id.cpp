#include "converge/resource_id.hpp"

#include "model/id_prefixes.hpp"

#include <doctest/doctest.h>

using converge::ResourceId;

TEST_SUITE("resource_id") {
TEST_CASE("parses a nested ML id and keeps its casing") {
    auto id = ResourceId::parse(
        "/subscriptions/s1/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu");
    REQUIRE(id);
    CHECK(id->subscription() == "s1");
    CHECK(id->resource_group() == "RG");
    CHECK(id->provider_namespace() == "Microsoft.MachineLearningServices");
    CHECK(id->type() == "Microsoft.MachineLearningServices/workspaces/computes");
    CHECK(id->name() == "cpu");
    CHECK(id->parent().str() ==
          "/subscriptions/s1/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/ws");
}

TEST_CASE("compares case-insensitively, as ARM does") {
    auto a = ResourceId::parse("/subscriptions/S/resourcegroups/rg/providers/microsoft.storage/storageaccounts/sa");
    auto b = ResourceId::parse("/subscriptions/s/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/SA");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
    CHECK(std::hash<ResourceId>{}(*a) == std::hash<ResourceId>{}(*b));
}

TEST_CASE("rejects text that is not an ARM id") {
    CHECK_FALSE(ResourceId::parse("subscriptions/s"));
    CHECK_FALSE(ResourceId::parse("/subscriptions/s/resourceGroups"));
    CHECK_FALSE(ResourceId::parse("/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts"));
    CHECK_FALSE(ResourceId::parse("/tenants/t"));
}

TEST_CASE("builds ids from parts") {
    auto ws = ResourceId::for_resource("s", "g", "Microsoft.MachineLearningServices/workspaces", "ws");
    CHECK(ws.child("computes", "c").str() ==
          "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/c");
    CHECK(ResourceId::for_resource_group("s", "g").is_resource_group());
    CHECK(ResourceId::for_resource_group("s", "g").type() == "Microsoft.Resources/resourceGroups");
}
}

TEST_SUITE("resource_id") {
TEST_CASE("copies share the text; parts, parents and children read from the text") {
    const auto model = ResourceId::for_resource("s", "G", "Microsoft.MachineLearningServices/workspaces/models/versions",
                                                "ws/m/2");
    const std::string ws = "/subscriptions/s/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/ws";
    CHECK(model.str() == ws + "/models/m/versions/2");
    const ResourceId copy = model;
    CHECK(&copy.str() == &model.str());
    CHECK(copy == model);
    CHECK(model.parent().str() == ws + "/models/m");
    CHECK(model.parent().parent().str() == ws);
    CHECK(model.parent().parent().parent().str() == "/subscriptions/s/resourceGroups/G");
    CHECK(model.parent().parent().parent().parent().str() == "/subscriptions/s");
    CHECK(model.parent().parent().parent().parent().parent().empty());
    CHECK(model.name() == "2");
    CHECK(model.subscription() == "s");
    CHECK(model.resource_group() == "G");
    CHECK(model.provider_namespace() == "Microsoft.MachineLearningServices");
    CHECK(model.type() == "Microsoft.MachineLearningServices/workspaces/models/versions");
    CHECK_FALSE(model.is_resource_group());
    CHECK(model.parent().parent().parent().is_resource_group());
    CHECK(ResourceId::for_subscription("s").name() == "s");
    CHECK(ResourceId::for_subscription("s").resource_group().empty());
    // A child's hash continues its parent's: equal to the hash of the same text parsed.
    const auto child = model.parent().parent().child("computes", "CPU");
    const auto parsed = ResourceId::parse(ws + "/computes/cpu");
    REQUIRE(parsed);
    CHECK(child == *parsed);
    CHECK(child.hash() == parsed->hash());
    CHECK(ResourceId().str().empty());
    CHECK(ResourceId().empty());
}

TEST_CASE("ids built from parts holding '/' or empty names keep their former shape") {
    // Not in canonical form: parent(), child() and name() split the text as before.
    const auto odd = ResourceId::for_resource("s", "g", "Microsoft.MachineLearningServices/workspaces/computes", "ws");
    CHECK(odd.str() == "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/");
    CHECK(odd.name() == "");
    CHECK(odd.parent().empty());  // the text does not split into an id
    const auto group = ResourceId::for_resource_group("s", "g");
    CHECK(group.child("t", "n").str() == "/subscriptions/s/resourceGroups/g/providers//t/n");
    const auto slashed = ResourceId::for_resource_group("a/b", "g");
    CHECK(slashed.str() == "/subscriptions/a/b/resourceGroups/g");
    CHECK(slashed.parent().empty());
    CHECK(slashed.name() == "");
}
}

TEST_SUITE("resource_id") {
TEST_CASE("enclosing ids as prefixes are what parent() walks through") {
    const std::string ml = "Microsoft.MachineLearningServices/workspaces";
    for (const auto& id : {ResourceId::for_resource("s", "g", ml + "/models/versions", "ws/m/1"),
                           ResourceId::for_resource("s", "g", ml, "ws"), ResourceId::for_resource_group("s", "g"),
                           ResourceId::for_subscription("s")}) {
        std::vector<std::pair<std::size_t, std::size_t>> up;
        REQUIRE(converge::enclosing_ids(id.str(), up));
        std::size_t k = 0;
        for (ResourceId p = id.parent(); !p.empty(); p = p.parent(), ++k) {
            REQUIRE(k < up.size());
            CHECK(id.str().substr(0, up[k].first) == p.str());
            CHECK(up[k].second == p.hash());
            CHECK(converge::id_hash(p.str()) == p.hash());
        }
        CHECK(k == up.size());
    }
    std::vector<std::pair<std::size_t, std::size_t>> up;
    CHECK_FALSE(converge::enclosing_ids(ResourceId::for_resource_group("a/b", "g").str(), up));
    CHECK_FALSE(converge::enclosing_ids("/subscriptions/s/resourceGroups/g/providers/ns/t/", up));
    CHECK(up.empty());
}
}
