// The Activity Log: the emulator records every write with its caller and serves
// Microsoft.Insights/eventtypes/management/values; the client's reader (observe) finds who
// changed a resource last.
#include "converge/activity_log.hpp"
#include "converge/client_factory.hpp"

#include "e2e_fixture.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace converge::testing;
using namespace std::chrono_literals;

namespace {

ActivityWindow last_hour() {
    auto now = std::chrono::system_clock::now();
    return {now - 1h, now + 1min};
}

std::string rg_path(const std::string& sub, const std::string& rg) {
    return "/subscriptions/" + sub + "/resourceGroups/" + rg;
}

}  // namespace

TEST_SUITE("activity_log") {

TEST_CASE("queries: resourceUri for one resource, resourceGroupName for one group, the window otherwise") {
    auto a = *ResourceId::parse("/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/a");
    auto b = *ResourceId::parse("/subscriptions/s1/resourceGroups/RG1/providers/Microsoft.KeyVault/vaults/b");
    auto c = *ResourceId::parse("/subscriptions/s1/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/c");
    auto d = *ResourceId::parse("/subscriptions/s2/resourceGroups/o'brien");
    ActivityWindow w{std::chrono::system_clock::from_time_t(1767225600),            // 2026-01-01T00:00:00Z
                     std::chrono::system_clock::from_time_t(1767225600) + 1500ms};  // ... 00:00:01.5
    std::string range = "eventTimestamp ge '2026-01-01T00:00:00Z' and eventTimestamp le '2026-01-01T00:00:02Z'";

    auto one = activity_queries({a}, w);
    REQUIRE(one.size() == 1);
    CHECK(one[0].path == "/subscriptions/s1/providers/Microsoft.Insights/eventtypes/management/values");
    CHECK(one[0].filter == range + " and resourceUri eq '" + a.str() + "'");

    auto group = activity_queries({a, b}, w);
    REQUIRE(group.size() == 1);
    CHECK(group[0].filter == range + " and resourceGroupName eq 'RG1'");

    auto spread = activity_queries({a, b, c, d}, w);
    REQUIRE(spread.size() == 2);
    CHECK(spread[0].filter == range);
    CHECK(spread[1].filter == range + " and resourceUri eq '/subscriptions/s2/resourceGroups/o''brien'");
}

TEST_CASE("the reader names the second principal that changed a resource, the first for the others") {
    auto options = fast_emulator();
    options.page_size = 2;  // every answer below is paged
    E2e e2e(options);
    const std::string sub = e2e.subscription();
    for (const char* rg : {"rg-a", "rg-b", "rg-c"}) {
        REQUIRE(e2e.client().put(rg_path(sub, rg), "2021-04-01", Json{{"location", "westeurope"}}));
    }
    auto other = e2e.emu().add_principal("drifter");
    CHECK(other.object_id != e2e.emu().credentials().object_id);
    auto as_other = e2e.client_as(other);
    REQUIRE(as_other->client().patch(rg_path(sub, "rg-b"), "2021-04-01", Json{{"tags", {{"cost", "x"}}}}));
    // A listKeys-style action or a failed write is not a change.
    CHECK_FALSE(as_other->client().put(rg_path(sub, "rg-c"), "2021-04-01", Json{{"location", "Atlantis"}}));

    std::vector<ResourceId> ids;
    for (const char* rg : {"rg-a", "rg-b", "rg-c", "rg-never"}) {
        ids.push_back(ResourceId::for_resource_group(sub, rg));
    }
    auto changes = latest_changes(e2e.api(), ids, last_hour());
    REQUIRE_MESSAGE(changes, (changes ? "" : changes.error().to_string()));
    REQUIRE(changes->size() == 3);
    const ChangeEvent& b = changes->at(ids[1].key());
    CHECK(b.caller == other.object_id);
    CHECK(b.operation == "Microsoft.Resources/subscriptions/resourceGroups/write");
    CHECK(b.status == "Succeeded");
    CHECK_FALSE(b.correlation_id.empty());
    CHECK(b.describe() == "changed by " + other.object_id + " at " + b.time + " via " + b.operation);
    CHECK(changes->at(ids[0].key()).caller == e2e.emu().credentials().object_id);
    CHECK(changes->at(ids[2].key()).caller == e2e.emu().credentials().object_id);  // the failed PUT is skipped
    CHECK(changes->count(ids[3].key()) == 0);

    // One resource: resourceUri eq; only its events.
    auto single = latest_changes(e2e.api(), {ids[1]}, last_hour());
    REQUIRE(single);
    REQUIRE(single->size() == 1);
    CHECK(single->begin()->second.caller == other.object_id);

    // A window before the writes finds nothing.
    auto now = std::chrono::system_clock::now();
    auto before = latest_changes(e2e.api(), ids, {now - 48h, now - 24h});
    REQUIRE(before);
    CHECK(before->empty());
}

TEST_CASE("the emulator keeps a bounded log and refuses a filter without the time range") {
    auto options = fast_emulator();
    options.activity_log_capacity = 6;  // 3 writes (BeginRequest + EndRequest each)
    E2e e2e(options);
    const std::string sub = e2e.subscription();
    for (int i = 0; i < 5; ++i) {
        REQUIRE(e2e.client().put(rg_path(sub, "rg-" + std::to_string(i)), "2021-04-01",
                                 Json{{"location", "westeurope"}}));
    }
    auto window = last_hour();
    std::string path = "/subscriptions/" + sub + "/providers/Microsoft.Insights/eventtypes/management/values";
    auto all = e2e.api().list(path, "2015-04-01",
                              {{"$filter", "eventTimestamp ge '" + iso8601_utc(window.from) +
                                               "' and eventTimestamp le '" + iso8601_utc(window.to) + "'"}});
    REQUIRE(all);
    REQUIRE(all->size() == 6);
    CHECK(all->front()["resourceId"] == rg_path(sub, "rg-4"));
    CHECK(all->back()["resourceId"] == rg_path(sub, "rg-2"));

    auto missing = e2e.api().list(path, "2015-04-01", {{"$filter", "resourceGroupName eq 'rg-1'"}});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().status == 400);
    auto no_version = e2e.api().list(path, "2016-01-01", {{"$filter", "eventTimestamp ge '2026-01-01'"}});
    REQUIRE_FALSE(no_version);
    CHECK(no_version.error().status == 400);
}

}  // TEST_SUITE
