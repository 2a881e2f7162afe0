#include "converge/resource_id.hpp"

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
