// The stack's cross-machine lock (a blob lease) against the emulator's blob data plane:
// acquire, refusal naming the holder, waiting, expiry of an abandoned lease, renewal, break,
// and two applies racing on one stack that never interleave their writes.
#include "converge/stack_lock.hpp"

#include "e2e_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace converge;
using namespace converge::testing;
using namespace std::chrono_literals;

namespace {

/// Emulator whose clock runs `skew` ahead of the system clock (to expire leases without waiting).
struct SkewedEmulator {
    std::shared_ptr<std::atomic<std::int64_t>> skew = std::make_shared<std::atomic<std::int64_t>>(0);
    emulator::Options options() const {
        auto o = fast_emulator();
        o.clock = [s = skew] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() +
                   s->load();
        };
        return o;
    }
};

StackLockConfig lock_config() {
    StackLockConfig c;
    c.storage_account = "stlocks01";
    c.blob = "e2e.lock";
    c.lease_seconds = 15;
    return c;
}

void make_account(E2e& e2e) {
    const std::string rg = "/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-locks";
    REQUIRE(e2e.client().put(rg, "2021-04-01", Json{{"location", "westeurope"}}));
    auto made = e2e.client().put(rg + "/providers/Microsoft.Storage/storageAccounts/stlocks01", "2023-01-01",
                                 Json{{"location", "westeurope"}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}});
    REQUIRE_MESSAGE(made, (made ? "" : made.error().to_string()));
}

LockHolder holder(const std::string& user) {
    LockHolder h = this_process_holder("apply");
    h.user = user;
    return h;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("lock: the URL is the account's blob endpoint, path-style on the emulator") {
    StackLockConfig c = lock_config();
    ClientOptions azure;
    CHECK(lock_blob_url(c, azure) == "https://stlocks01.blob.core.windows.net/converge-locks/e2e.lock");
    ClientOptions local;
    local.arm_endpoint = "https://127.0.0.1:8443";
    CHECK(lock_blob_url(c, local) == "https://127.0.0.1:8443/stlocks01/converge-locks/e2e.lock");
    c.blob_endpoint = "https://stlocks01.blob.core.chinacloudapi.cn/";
    CHECK(lock_blob_url(c, azure) == "https://stlocks01.blob.core.chinacloudapi.cn/converge-locks/e2e.lock");
}

TEST_CASE("lock: one holder at a time; the refusal names the holder; waiting gets it after release") {
    E2e e2e;
    make_account(e2e);
    auto a = StackLock::acquire(e2e.client(), lock_config(), holder("alice"));
    REQUIRE_MESSAGE(a, (a ? "" : a.error().to_string()));
    auto who = lock_holder(e2e.client(), lock_config());
    REQUIRE(who);
    REQUIRE(who->has_value());
    CHECK((*who)->user == "alice");
    CHECK((*who)->command == "apply");
    CHECK_FALSE((*who)->since.empty());

    auto b = StackLock::acquire(e2e.client(), lock_config(), holder("bob"));
    REQUIRE_FALSE(b);
    CHECK(b.error().code == k_stack_locked);
    CHECK(b.error().message.find("alice@") != std::string::npos);
    CHECK(b.error().message.find(" since ") != std::string::npos);

    std::thread releaser([&] {
        std::this_thread::sleep_for(300ms);
        REQUIRE((*a)->release());
    });
    int waits = 0;
    LockWaitOptions wait;
    wait.timeout = 10s;
    wait.retry_interval = 100ms;
    wait.on_wait = [&](const LockHolder& h, std::chrono::milliseconds) {
        CHECK(h.user == "alice");
        ++waits;
    };
    auto b2 = StackLock::acquire(e2e.client(), lock_config(), holder("bob"), wait);
    releaser.join();
    REQUIRE_MESSAGE(b2, (b2 ? "" : b2.error().to_string()));
    CHECK(waits > 0);
    CHECK((*b2)->waited() >= 200ms);
    who = lock_holder(e2e.client(), lock_config());
    REQUIRE(who);
    CHECK((*who)->user == "bob");
    b2->reset();  // released by the destructor
    who = lock_holder(e2e.client(), lock_config());
    REQUIRE(who);
    CHECK_FALSE(who->has_value());
}

TEST_CASE("lock: a lease left by a killed process expires and is taken over; break frees it at once") {
    SkewedEmulator clock;
    E2e e2e(clock.options());
    make_account(e2e);
    // What a process killed with -9 leaves: a 15-second lease with its holder, never renewed.
    REQUIRE(StackLock::acquire(e2e.client(), lock_config(), holder("setup")));  // creates the blob; released
    const std::string url = lock_blob_url(lock_config(), e2e.client().options());
    auto storage = [](HttpHeaders h) {
        CallOptions o;
        o.audience = k_storage_audience;
        h.set("x-ms-version", "2023-11-03");
        o.headers = std::move(h);
        return o;
    };
    auto ghost = e2e.client().send("PUT", url + "?comp=lease", "", "",
                                   storage({{"x-ms-lease-action", "acquire"}, {"x-ms-lease-duration", "15"}}));
    REQUIRE(ghost);
    REQUIRE(ghost->status == 201);
    const std::string ghost_id = ghost->headers.get("x-ms-lease-id").value_or("");
    auto meta = e2e.client().send("PUT", url + "?comp=metadata", "", "",
                                  storage({{"x-ms-lease-id", ghost_id}, {"x-ms-meta-converge_user", "ghost"},
                                           {"x-ms-meta-converge_host", "node-3"}}));
    REQUIRE(meta);
    CHECK(meta->status == 200);
    auto other = e2e.client().send("PUT", url + "?comp=lease", "", "",
                                   storage({{"x-ms-lease-action", "acquire"}, {"x-ms-lease-duration", "15"}}));
    REQUIRE(other);
    CHECK(other->status == 409);
    CHECK(other->headers.get("x-ms-error-code") == std::optional<std::string>("LeaseAlreadyPresent"));

    auto refused = StackLock::acquire(e2e.client(), lock_config(), holder("bob"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("ghost@") != std::string::npos);
    clock.skew->fetch_add(16'000);  // past the 15 s lease: nobody renewed it (the thread is "dead")
    auto taken = StackLock::acquire(e2e.client(), lock_config(), holder("bob"));
    REQUIRE_MESSAGE(taken, (taken ? "" : taken.error().to_string()));

    auto broke = break_lock(e2e.client(), lock_config());
    REQUIRE(broke);
    REQUIRE(broke->has_value());
    CHECK((*broke)->user == "bob");
    auto carol = StackLock::acquire(e2e.client(), lock_config(), holder("carol"));
    REQUIRE_MESSAGE(carol, (carol ? "" : carol.error().to_string()));
}

TEST_CASE("lock: the holder renews its lease while it runs") {
    SkewedEmulator clock;
    E2e e2e(clock.options());
    make_account(e2e);
    auto held = StackLock::acquire(e2e.client(), lock_config(), holder("alice"));
    REQUIRE(held);
    std::this_thread::sleep_for(5500ms);  // one renewal (every lease/3 = 5 s)
    clock.skew->fetch_add(12'000);        // 17.5 s after the acquire, 12.5 s after the renewal
    auto refused = StackLock::acquire(e2e.client(), lock_config(), holder("bob"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == k_stack_locked);
    CHECK_FALSE((*held)->lost());
}

TEST_CASE("lock: two applies racing on one stack never interleave their writes") {
    E2e e2e;
    make_account(e2e);
    auto loaded = e2e.load({{"groups.yaml", R"(apiVersion: converge/v1
kind: ResourceGroup
metadata:
  name: rg-race-1
spec:
  tags:
    owner: race
---
apiVersion: converge/v1
kind: ResourceGroup
metadata:
  name: rg-race-2
spec:
  tags:
    owner: race
)"}},
                           "apiVersion: converge/v1\nstack: race\ndefaults:\n  location: westeurope\n");
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    auto arm_writes = [&] {
        std::uint64_t n = 0;
        for (const auto& [route, count] : e2e.emu().stats().by_route) {
            // ARM writes on the stack's resource groups (not the lock account's, nor blob writes).
            const std::string r = to_lower(route);
            if ((r.starts_with("put /subscriptions") || r.starts_with("patch /subscriptions") ||
                 r.starts_with("delete /subscriptions")) &&
                r.find("/providers/") == std::string::npos) {
                n += count;
            }
        }
        return n;
    };
    e2e.emu().reset_stats();
    std::mutex m;
    std::vector<std::pair<std::chrono::steady_clock::time_point, std::chrono::steady_clock::time_point>> spans;
    std::vector<std::uint64_t> writes_seen;
    auto run = [&](const std::string& who) {
        LockWaitOptions wait;
        wait.timeout = 30s;
        wait.retry_interval = 50ms;
        auto lock = StackLock::acquire(e2e.client(), lock_config(), holder(who), wait);
        REQUIRE_MESSAGE(lock, (lock ? "" : lock.error().to_string()));
        auto begin = std::chrono::steady_clock::now();
        auto before = arm_writes();
        auto result = e2e.apply(loaded.desired);  // observe + plan + apply, all under the lock
        require_ok(result);
        auto after = arm_writes();
        auto end = std::chrono::steady_clock::now();
        std::lock_guard lk(m);
        spans.emplace_back(begin, end);
        writes_seen.push_back(after - before);
    };
    std::thread t1(run, "first");
    std::thread t2(run, "second");
    t1.join();
    t2.join();
    REQUIRE(spans.size() == 2);
    std::sort(spans.begin(), spans.end());
    CHECK(spans[0].second <= spans[1].first);  // never both inside apply at once
    // The run that got the lock first created both groups; the other planned after it and wrote nothing.
    std::sort(writes_seen.begin(), writes_seen.end());
    CHECK(writes_seen == std::vector<std::uint64_t>{0, 2});
}

}  // TEST_SUITE

// Through the binary: runs of `converge --emulator` share the emulator's state directory, and so
// does an emulator started here, whose client plays another machine holding the lock.
#include "cli_stack.hpp"

TEST_SUITE("e2e") {

TEST_CASE("converge binary: apply refuses a held stack naming the holder, waits with --lock-timeout, force-unlock") {
    converge::testing::CliStack stack("lock-cli");
    const std::string config = "apiVersion: converge/v1\nstack: lockcli\ndefaults:\n  resourceGroup: rg-lockcli\n"
                               "  location: westeurope\n";
    stack.write("converge.yaml", config);
    stack.write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-lockcli}\nspec: {}\n");
    stack.write("sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stlockcli}\n"
                           "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n");
    auto first = stack.converge("apply --auto-approve");
    REQUIRE_MESSAGE(first.code == 0, (first.out + first.err));

    stack.write("converge.yaml", config + "lock:\n  storageAccount: stlockcli\n  leaseSeconds: 15\n");
    stack.write("rg2.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-lockcli-2}\nspec: {}\n");
    auto options = fast_emulator();
    options.state_dir = stack.state_dir().string();
    E2e other(options);  // "another machine"
    StackLockConfig cfg;
    cfg.storage_account = "stlockcli";
    cfg.blob = "lockcli.lock";
    auto held = StackLock::acquire(other.client(), cfg, holder("ci-bot"));
    REQUIRE_MESSAGE(held, (held ? "" : held.error().to_string()));

    auto refused = stack.converge("apply --auto-approve");
    CHECK(refused.code == 1);
    CHECK_MESSAGE(refused.err.find("the stack is locked by ci-bot@") != std::string::npos, refused.err);
    CHECK(refused.out.find("Apply complete") == std::string::npos);
    CHECK(stack.converge("plan").code == 0);  // plan takes no lock

    std::thread releaser([&] {
        std::this_thread::sleep_for(1500ms);
        (*held)->release();
    });
    auto waited = stack.converge("apply --auto-approve --lock-timeout 30s");
    releaser.join();
    CHECK_MESSAGE(waited.code == 0, (waited.out + waited.err));
    CHECK(waited.err.find("waiting for the stack lock, held by ci-bot@") != std::string::npos);
    CHECK(waited.out.find("Apply complete: 1 done") != std::string::npos);

    held = StackLock::acquire(other.client(), cfg, holder("ci-bot"));  // a holder that hangs
    REQUIRE(held);
    auto asked = stack.bare("force-unlock " + stack.stack_dir().string() + " --emulator --emulator-state " +
                            stack.state_dir().string());
    CHECK(asked.code == 1);
    CHECK(asked.err.find("held by ci-bot@") != std::string::npos);
    auto broke = stack.bare("force-unlock " + stack.stack_dir().string() + " --yes --emulator --emulator-state " +
                            stack.state_dir().string());
    CHECK_MESSAGE(broke.code == 0, (broke.out + broke.err));
    CHECK(broke.out.find("Broke the stack lock held by ci-bot@") != std::string::npos);
    auto after = stack.converge("apply --auto-approve");
    CHECK_MESSAGE(after.code == 0, (after.out + after.err));
    held->reset();  // its release fails quietly: the lease was broken
}

}  // TEST_SUITE
