// `converge sync` through the binary with --emulator (issue 16): --once exit codes, JSON events
// with RFC 3339 times and the tick's request counts, bad flags, SIGTERM (during the first
// tick, and while waiting) ending the process with exit 0 after in-flight work, drift by a
// second principal attributed to it, two syncs and an apply racing under the stack lock (writes
// counted in the emulator's Activity Log), and the --notify webhook over HTTPS.
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/activity_log.hpp"
#include "converge/json.hpp"
#include "converge/resource_id.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <regex>
#include <set>
#include <map>
#include <algorithm>
#include <sstream>
#include <mutex>
#include <thread>

using converge::Json;
using converge::testing::Run;
using converge::testing::slurp;

namespace {

class SyncStack : public converge::testing::CliStack {
public:
    SyncStack() : converge::testing::CliStack("e2e-sync-cli") {
        write("converge.yaml", "apiVersion: converge/v1\nstack: synccli\ndefaults:\n  resourceGroup: rg-synccli\n"
                               "  location: westeurope\n");
        write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-synccli}\nspec: {}\n");
        write("sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stsynccli}\n"
                         "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {team: data}}\n");
        write("appi.yaml", "apiVersion: converge/v1\nkind: ApplicationInsights\nmetadata: {name: appi-synccli}\n"
                           "spec: {kind: web, properties: {Application_Type: web}}\n");
    }

    /// Starts `converge sync <args> <stack> --emulator ...` in the background, stdout to `out`.
    pid_t start(const std::string& args, const std::filesystem::path& out) const {
        return spawn("sync " + args, out, root() / "bg-err");
    }

    /// Starts `converge <command> <stack> --emulator ...` in the background, stdout to `out`,
    /// stderr to `err`.
    pid_t spawn(const std::string& command, const std::filesystem::path& out, const std::filesystem::path& err_file) const {
        const pid_t pid = ::fork();
        if (pid == 0) {
            const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(fd, 1);
            const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(err, 2);
            const std::string cmd = std::string(CONVERGE_BINARY) + " " + command + " " + stack_dir().string() +
                                    " --emulator --emulator-state " + state_dir().string();
            ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        return pid;
    }
};

std::vector<Json> json_lines(const std::string& text) {
    std::vector<Json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '{') {
            out.push_back(Json::parse(line));
        }
    }
    return out;
}

const Json* find_event(const std::vector<Json>& events, const std::string& type) {
    for (const auto& e : events) {
        if (e.value("type", "") == type) {
            return &e;
        }
    }
    return nullptr;
}

/// Waits (up to 60 s) until `file` contains `needle`.
bool wait_for(const std::filesystem::path& file, const std::string& needle) {
    for (int i = 0; i < 60000; ++i) {
        if (slurp(file).find(needle) != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1000 - (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("converge sync --once: exit codes, text summary and JSON events") {
    SyncStack stack;
    const Run before = stack.converge("sync --once --detailed-exitcode");
    CHECK_MESSAGE(before.code == 2, (before.out + before.err));  // nothing exists yet: creates pending
    CHECK(before.out.find("3 differences (detect mode: nothing changed)") != std::string::npos);
    CHECK(before.out.find("+ ResourceGroup/rg-synccli") != std::string::npos);

    const Run corrected = stack.converge("sync --once --mode correct --detailed-exitcode");
    CHECK_MESSAGE(corrected.code == 0, (corrected.out + corrected.err));
    CHECK(corrected.out.find("3 differences, 3 corrected, 0 held back") != std::string::npos);

    const Run json = stack.converge("sync --once --detailed-exitcode --log-format json");
    CHECK_MESSAGE(json.code == 0, (json.out + json.err));
    const auto events = json_lines(json.out);
    const Json* finished = find_event(events, "tick_finished");
    REQUIRE(finished != nullptr);
    CHECK((*finished)["ok"] == true);
    CHECK((*finished)["differences"] == 0);
    CHECK((*finished)["requests"]["writes"] == 0);
    CHECK((*finished)["requests"]["deletes"] == 0);
    CHECK((*finished)["requests"]["reads"].get<long>() > 0);
    const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
    for (const auto& e : events) {
        CHECK(std::regex_match(e.value("time", ""), rfc3339));
    }
    CHECK(find_event(events, "tick_started") != nullptr);

    // A manifest change with a replace: detect exits 3, correct holds it back (exit 3 too).
    stack.write("appi.yaml", "apiVersion: converge/v1\nkind: ApplicationInsights\nmetadata: {name: appi-synccli}\n"
                             "spec: {kind: other, properties: {Application_Type: web}}\n");
    const Run destructive = stack.converge("sync --once --detailed-exitcode");
    CHECK_MESSAGE(destructive.code == 3, (destructive.out + destructive.err));
    const Run held = stack.converge("sync --once --mode correct --detailed-exitcode");
    CHECK_MESSAGE(held.code == 3, (held.out + held.err));
    CHECK(held.out.find("held back: ApplicationInsights/appi-synccli (replace): replace is not allowed (--allow replace)") !=
          std::string::npos);
    const Run allowed = stack.converge("sync --once --mode correct --allow create,update,replace --detailed-exitcode");
    CHECK_MESSAGE(allowed.code == 0, (allowed.out + allowed.err));
    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
}

TEST_CASE("converge sync: bad flags are errors before anything runs") {
    SyncStack stack;
    const Run interval = stack.converge("sync --once --interval 10x");
    CHECK(interval.code == 1);
    CHECK(interval.err.find("--interval 10x") != std::string::npos);
    const Run jitter = stack.converge("sync --once --jitter 150%");
    CHECK(jitter.code == 1);
    const Run allow = stack.converge("sync --once --allow create,updte");
    CHECK(allow.code == 1);
    CHECK(allow.err.find("did you mean \"update\"") != std::string::npos);
    const Run del = stack.converge("sync --once --allow delete");
    CHECK(del.code == 1);
    CHECK(del.err.find("--prune") != std::string::npos);
    const Run mode = stack.converge("sync --once --mode fix");
    CHECK(mode.code == 1);
}

TEST_CASE("converge sync: SIGTERM during a tick or between ticks exits 0 after in-flight work") {
    SyncStack stack;
    {
        // Mid-tick: the signal arrives as soon as the first tick has started (creates to apply).
        const auto out = stack.root() / "mid.out";
        const pid_t pid = stack.start("--mode correct --interval 1h --log-format json", out);
        REQUIRE(wait_for(out, "tick_started"));
        ::kill(pid, SIGTERM);
        const int code = wait_exit(pid);
        CHECK_MESSAGE(code == 0, (slurp(out) + slurp(stack.root() / "bg-err")));
        const auto events = json_lines(slurp(out));
        CHECK(find_event(events, "sync_stopped") != nullptr);
        CHECK(find_event(events, "tick_finished") != nullptr);  // the tick ended, it was not killed
    }
    {
        // Between ticks: the second process waits its hour and stops at once.
        const auto out = stack.root() / "wait.out";
        const pid_t pid = stack.start("--mode correct --interval 1h", out);
        REQUIRE(wait_for(out, "sync: tick 1"));
        const auto sent = std::chrono::steady_clock::now();
        ::kill(pid, SIGTERM);
        const int code = wait_exit(pid);
        CHECK(code == 0);
        CHECK(std::chrono::steady_clock::now() - sent < std::chrono::seconds(10));
        CHECK(slurp(out).find("sync: stopped by a signal after 1 tick") != std::string::npos);
    }
    // The estate is converged either way once a tick completes.
    const Run apply = stack.converge("apply --auto-approve");
    CHECK(apply.code == 0);
    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
}

TEST_CASE("converge sync: drift made by another principal is reported with that caller, posted to --notify, then corrected") {
    SyncStack stack;
    const Run created = stack.converge("sync --once --mode correct");
    REQUIRE_MESSAGE(created.code == 0, (created.out + created.err));
    std::string drifter;  // the other principal's object id, as the Activity Log names it
    {
        // Someone else (a second service principal) edits the storage account's tag straight
        // at "Azure" (the same emulator state).
        emulator::Options options = converge::testing::fast_emulator();
        options.state_dir = stack.state_dir().string();
        converge::testing::E2e azure(options);
        const auto other = azure.emu().add_principal("drifter");
        drifter = other.object_id;
        REQUIRE(drifter != azure.emu().credentials().object_id);
        auto as_other = azure.client_as(other);
        const std::string id = "/subscriptions/" + azure.subscription() +
                               "/resourceGroups/rg-synccli/providers/Microsoft.Storage/storageAccounts/stsynccli";
        auto body = azure.api().get(id, "2023-05-01");
        REQUIRE(body);
        Json put = {{"location", (*body)["location"]}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}};
        put["tags"] = (*body)["tags"];
        put["tags"]["team"] = "someone-else";
        REQUIRE(as_other->client().put(id, "2023-05-01", put));
    }
    httplib::Server hook;
    std::mutex mutex;
    std::vector<std::string> bodies;
    hook.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard guard(mutex);
        bodies.push_back(req.body);
        res.status = 204;
    });
    const int port = hook.bind_to_any_port("127.0.0.1");
    std::thread server([&] { hook.listen_after_bind(); });
    const Run seen = stack.converge("sync --once --detailed-exitcode --notify http://127.0.0.1:" + std::to_string(port) + "/hook");
    hook.stop();
    server.join();
    CHECK_MESSAGE(seen.code == 2, (seen.out + seen.err));
    CHECK(seen.out.find("1 difference (1 drift) (detect mode: nothing changed)") != std::string::npos);
    CHECK(seen.out.find("Drift: 1 resource changed in Azure since converge last wrote it") != std::string::npos);
    REQUIRE(bodies.size() == 1);
    const Json posted = Json::parse(bodies[0]);
    CHECK(posted["event"] == "drift");
    CHECK(posted["stack"] == "synccli");
    REQUIRE(posted["drift"].size() == 1);
    CHECK(posted["drift"][0]["resource"] == "StorageAccount/stsynccli");
    CHECK(posted["drift"][0]["fields"][0]["path"] == "tags.team");
    CHECK(posted["drift"][0]["fields"][0]["before"] == "\"someone-else\"");
    CHECK(posted["drift"][0]["fields"][0]["after"] == "\"data\"");
    // Who: the Activity Log's caller of the latest write, the second principal, not converge's.
    CHECK(posted["drift"][0]["changed_by"]["caller"] == drifter);
    CHECK(posted["drift"][0]["changed_by"]["operation"] == "Microsoft.Storage/storageAccounts/write");
    CHECK_MESSAGE(seen.out.find("changed by " + drifter + " at ") != std::string::npos, seen.out);

    const Run refused = stack.converge("sync --once --notify http://example.com/hook");
    CHECK(refused.code == 1);
    CHECK(refused.err.find("https://") != std::string::npos);

    const Run fixed = stack.converge("sync --once --mode correct --detailed-exitcode");
    CHECK_MESSAGE(fixed.code == 0, (fixed.out + fixed.err));
    CHECK(fixed.out.find("1 difference (1 drift), 1 corrected, 0 held back") != std::string::npos);
    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
}

TEST_CASE("converge sync: two syncs and an apply racing on one stack never interleave their writes") {
    SyncStack stack;
    const Run created = stack.converge("apply --auto-approve");
    REQUIRE_MESSAGE(created.code == 0, (created.out + created.err));
    // From now on every writer takes the stack's lease on the storage account it just made, and
    // there is work to race for: three new groups and a changed tag.
    stack.write("converge.yaml", "apiVersion: converge/v1\nstack: synccli\ndefaults:\n  resourceGroup: rg-synccli\n"
                                 "  location: westeurope\nlock:\n  storageAccount: stsynccli\n  leaseSeconds: 15\n");
    for (int i = 1; i <= 3; ++i) {
        stack.write("rg" + std::to_string(i) + ".yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-race-" +
                                                            std::to_string(i) + "}\nspec: {tags: {owner: race}}\n");
    }
    stack.write("sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stsynccli}\n"
                           "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {team: raced}}\n");
    const auto since = std::chrono::system_clock::now() - std::chrono::seconds(2);

    const char* commands[] = {"sync --once --mode correct --lock-timeout 60s --log-format json",
                              "sync --once --mode correct --lock-timeout 60s --log-format json",
                              "apply --auto-approve --lock-timeout 60s -v"};
    std::vector<pid_t> pids;
    for (int i = 0; i < 3; ++i) {
        pids.push_back(stack.spawn(commands[i], stack.root() / ("race-out-" + std::to_string(i)),
                                   stack.root() / ("race-err-" + std::to_string(i))));
    }
    std::set<std::string> correlation_ids;  // one per process, as each says
    for (int i = 0; i < 3; ++i) {
        const int code = wait_exit(pids[static_cast<std::size_t>(i)]);
        const std::string out = slurp(stack.root() / ("race-out-" + std::to_string(i)));
        const std::string err = slurp(stack.root() / ("race-err-" + std::to_string(i)));
        CHECK_MESSAGE(code == 0, (std::string(commands[i]) + "\n" + out + err));
        std::smatch m;
        const std::string& text = i < 2 ? out : err;
        if (std::regex_search(text, m, std::regex(i < 2 ? R"re("correlationId":"([0-9a-f-]{36})")re"
                                                         : R"re(correlation id ([0-9a-f-]{36}))re"))) {
            correlation_ids.insert(m[1].str());
        }
    }
    REQUIRE(correlation_ids.size() == 3);

    // Count at the emulator: the Activity Log of the shared state has every ARM write with the
    // correlation id of the process that sent it.
    emulator::Options options = converge::testing::fast_emulator();
    options.state_dir = stack.state_dir().string();
    converge::testing::E2e azure(options);
    const std::string path = "/subscriptions/" + azure.subscription() + "/providers/Microsoft.Insights/eventtypes/management/values";
    auto events = azure.api().list(path, "2015-04-01",
                                   {{"$filter", "eventTimestamp ge '" + converge::iso8601_utc(since) + "' and eventTimestamp le '" +
                                                    converge::iso8601_utc(std::chrono::system_clock::now() + std::chrono::minutes(1)) + "'"}});
    REQUIRE(events);
    std::map<std::string, std::pair<std::string, std::string>> span;  // correlation id -> first, last event time
    std::map<std::string, int> writes_per_resource;
    for (const auto& e : *events) {
        const std::string correlation = e.value("correlationId", "");
        if (correlation_ids.count(correlation) == 0) {
            continue;  // not one of the three (this test's own reads write nothing)
        }
        const std::string time = e.value("eventTimestamp", "");
        auto [it, fresh] = span.try_emplace(correlation, time, time);
        it->second.first = std::min(it->second.first, time);
        it->second.second = std::max(it->second.second, time);
        if (e["eventName"].value("value", "") == "EndRequest" && e["status"].value("value", "") != "Failed") {
            ++writes_per_resource[converge::to_lower(e.value("resourceId", ""))];
        }
    }
    // Whoever held the lock first did all the work; the others planned after it and wrote nothing.
    CHECK(span.size() == 1);
    std::vector<std::pair<std::string, std::string>> spans;
    for (const auto& [id, s] : span) {
        spans.push_back(s);
    }
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i) {
        CHECK(spans[i - 1].second <= spans[i].first);  // never two writers at once
    }
    const std::string group = "/subscriptions/" + converge::to_lower(azure.subscription()) + "/resourcegroups/";
    CHECK(writes_per_resource.size() == 4);
    for (const auto& written : writes_per_resource) {
        // each written exactly once across the three processes (a named pair, not a structured
        // binding: clang 14 cannot capture one in CHECK_MESSAGE's lambda)
        CHECK_MESSAGE(written.second == 1, written.first);
    }
    CHECK(writes_per_resource.count(group + "rg-race-1") == 1);
    CHECK(writes_per_resource.count(group + "rg-synccli/providers/microsoft.storage/storageaccounts/stsynccli") == 1);

    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
}

TEST_CASE("converge sync --notify over HTTPS: verified against the client's CA options") {
    SyncStack stack;
    const Run created = stack.converge("sync --once --mode correct");
    REQUIRE_MESSAGE(created.code == 0, (created.out + created.err));
    {
        emulator::Options options = converge::testing::fast_emulator();
        options.state_dir = stack.state_dir().string();
        converge::testing::E2e azure(options);
        const std::string id = "/subscriptions/" + azure.subscription() +
                               "/resourceGroups/rg-synccli/providers/Microsoft.Storage/storageAccounts/stsynccli";
        auto body = azure.api().get(id, "2023-05-01");
        REQUIRE(body);
        Json put = {{"location", (*body)["location"]}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}};
        put["tags"] = (*body)["tags"];
        put["tags"]["team"] = "someone-else";
        REQUIRE(azure.client().put(id, "2023-05-01", put));
    }
    // A webhook receiver on HTTPS whose certificate (for 127.0.0.1) is signed by the emulator's
    // CA: trusted only when that CA is in the client's CA options (--ca-bundle).
    const auto tls = stack.state_dir() / "tls";
    httplib::SSLServer hook((tls / "server.pem").c_str(), (tls / "server.key").c_str());
    REQUIRE(hook.is_valid());
    std::mutex mutex;
    std::vector<std::string> bodies;
    hook.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard guard(mutex);
        bodies.push_back(req.body);
        res.status = 204;
    });
    const int port = hook.bind_to_any_port("127.0.0.1");
    std::thread server([&] { hook.listen_after_bind(); });
    const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/hook";

    const Run untrusted = stack.converge("sync --once --notify " + url);
    CHECK_MESSAGE(untrusted.code == 0, (untrusted.out + untrusted.err));  // a webhook failure never fails the tick
    CHECK_MESSAGE(untrusted.err.find("--notify: the webhook refused or failed") != std::string::npos, untrusted.err);
    {
        std::lock_guard guard(mutex);
        CHECK(bodies.empty());
    }
    const Run trusted = stack.converge("sync --once --notify " + url + " --ca-bundle " + (tls / "ca.pem").string());
    hook.stop();
    server.join();
    CHECK_MESSAGE(trusted.code == 0, (trusted.out + trusted.err));
    CHECK(trusted.err.find("--notify") == std::string::npos);
    REQUIRE(bodies.size() == 1);
    const Json posted = Json::parse(bodies[0]);
    CHECK(posted["event"] == "drift");
    REQUIRE(posted["drift"].size() == 1);
    CHECK(posted["drift"][0]["resource"] == "StorageAccount/stsynccli");

    const Run fixed = stack.converge("sync --once --mode correct");
    CHECK_MESSAGE(fixed.code == 0, (fixed.out + fixed.err));
    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
}

}  // TEST_SUITE
