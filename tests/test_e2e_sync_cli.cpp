// `converge sync` through the binary with --emulator (issue 16): --once exit codes, JSON events
// with RFC 3339 times and the tick's request counts, bad flags, and SIGTERM (during the first
// tick, and while waiting) ending the process with exit 0 after in-flight work.
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/json.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <regex>
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
        const pid_t pid = ::fork();
        if (pid == 0) {
            const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(fd, 1);
            const int err = ::open((root() / "bg-err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(err, 2);
            const std::string cmd = std::string(CONVERGE_BINARY) + " sync " + args + " " + stack_dir().string() +
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

TEST_CASE("converge sync: drift made at the emulator is reported as drift, posted to --notify, then corrected") {
    SyncStack stack;
    const Run created = stack.converge("sync --once --mode correct");
    REQUIRE_MESSAGE(created.code == 0, (created.out + created.err));
    {
        // Someone edits the storage account's tag straight at "Azure" (the same emulator state).
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

    const Run refused = stack.converge("sync --once --notify http://example.com/hook");
    CHECK(refused.code == 1);
    CHECK(refused.err.find("https://") != std::string::npos);

    const Run fixed = stack.converge("sync --once --mode correct --detailed-exitcode");
    CHECK_MESSAGE(fixed.code == 0, (fixed.out + fixed.err));
    CHECK(fixed.out.find("1 difference (1 drift), 1 corrected, 0 held back") != std::string::npos);
    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
}

}  // TEST_SUITE
