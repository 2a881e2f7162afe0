// `converge plan -o FILE` then `converge apply FILE` through the binary and the embedded
// emulator: applies exactly the saved plan, refuses a stale one naming resource and field,
// refuses one whose manifests changed, and never writes a secret into the file.
#include "cli_stack.hpp"
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include "converge/version.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

using converge::testing::Run;
using converge::testing::slurp;

namespace {

const std::string k_secret = "Saved-Plan-Secret-9f3";

std::string sa_yaml(const std::string& team) {
    return "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stsaved}\n"
           "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {pw: \"${var:pw}\", team: " + team + "}}\n";
}

class SavedStack : public converge::testing::CliStack {
public:
    SavedStack() : CliStack("e2e-saved-plan") {
        write("converge.yaml", "apiVersion: converge/v1\nstack: saved\ndefaults:\n  resourceGroup: rg-saved\n"
                               "  location: westeurope\nvariables:\n  pw:\n    env: CONVERGE_TEST_SAVED_PW\n"
                               "    sensitive: true\n");
        write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-saved}\nspec: {}\n");
        write("sa.yaml", sa_yaml("a"));
    }
    std::string plan_file(const std::string& name) const { return (root() / name).string(); }
};

// Changes the storage account's `team` tag behind converge's back, through the emulator's REST API.
void set_team_tag_out_of_band(const SavedStack& stack, const std::string& team) {
    emulator::Options options;
    options.state_dir = stack.state_dir().string();
    options.clock = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    emutest::Emu emu(options);
    const std::string path =
        emu.rg_path("rg-saved") + "/providers/Microsoft.Storage/storageAccounts/stsaved?api-version=2023-01-01";
    auto got = emu.get(path);
    REQUIRE(got);
    REQUIRE(got->status == 200);
    auto body = emutest::Json::parse(got->body);
    emutest::Json put = {{"location", body["location"]}, {"kind", body["kind"]}, {"sku", body["sku"]}, {"tags", body["tags"]}};
    put["tags"]["team"] = team;
    auto res = emu.put(path, put);
    REQUIRE(res);
    CHECK(res->status / 100 == 2);
}

void check_no_secret(const Run& r) {
    CHECK(r.out.find(k_secret) == std::string::npos);
    CHECK(r.err.find(k_secret) == std::string::npos);
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("saved plan: plan -o, apply FILE applies exactly it, then plan is empty; no secret in the file") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    SavedStack stack;
    const std::string file = stack.plan_file("plan.json");
    const Run plan = stack.converge("plan -o " + file);
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
    CHECK(plan.out.find("Saved the plan to " + file) != std::string::npos);
    const std::string saved = slurp(file);
    CHECK(saved.find("\"converge-saved-plan\"") != std::string::npos);
    CHECK(saved.find(k_secret) == std::string::npos);

    const Run applied = stack.run("apply " + file);
    CHECK_MESSAGE(applied.code == 0, (applied.out + applied.err));
    CHECK(applied.out.find("Apply complete: 2 done") != std::string::npos);
    const Run again = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(again.code == 0, (again.out + again.err));  // the secret tag was restored, too

    // An update, saved and applied: the file holds the secret tag's pointer, never its value.
    stack.write("sa.yaml", sa_yaml("b"));
    const Run update = stack.converge("plan -o " + file + " --format json");
    CHECK_MESSAGE(update.code == 0, (update.out + update.err));
    CHECK(slurp(file).find(k_secret) == std::string::npos);
    const Run updated = stack.run("apply " + file);
    CHECK_MESSAGE(updated.code == 0, (updated.out + updated.err));
    CHECK(stack.converge("plan --detailed-exitcode").code == 0);
    for (const auto& r : {plan, applied, again, update, updated}) {
        check_no_secret(r);
    }
}

TEST_CASE("saved plan: refused when Azure changed since, naming the resource and the field") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    SavedStack stack;
    REQUIRE(stack.converge("apply --auto-approve").code == 0);
    stack.write("sa.yaml", sa_yaml("b"));
    const std::string file = stack.plan_file("stale.json");
    REQUIRE(stack.converge("plan -o " + file).code == 0);
    set_team_tag_out_of_band(stack, "someone-else");
    const Run stale = stack.run("apply " + file);
    CHECK(stale.code == 1);
    CHECK_MESSAGE(stale.err.find("StorageAccount/stsaved: tags.team changed since the plan was saved; run "
                                 "`converge plan` again") != std::string::npos,
                  stale.err);
    CHECK(stale.out.find("Apply complete") == std::string::npos);
    check_no_secret(stale);
}

TEST_CASE("saved plan: refused when the manifests changed since, or the file is not a saved plan") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    SavedStack stack;
    const std::string file = stack.plan_file("old.json");
    REQUIRE(stack.converge("plan -o " + file).code == 0);
    stack.write("sa.yaml", sa_yaml("c"));
    const Run changed = stack.run("apply " + file);
    CHECK(changed.code == 1);
    CHECK_MESSAGE(changed.err.find(file + ": error: the manifests changed since the plan was saved") != std::string::npos,
                  changed.err);
    CHECK(changed.out.find("Apply complete") == std::string::npos);

    // The secret comes from the environment at apply time; without it nothing is sent.
    stack.write("sa.yaml", sa_yaml("a"));
    REQUIRE(stack.converge("plan -o " + file).code == 0);
    ::unsetenv("CONVERGE_TEST_SAVED_PW");
    const Run no_env = stack.run("apply " + file);
    CHECK(no_env.code == 1);
    CHECK(no_env.err.find("CONVERGE_TEST_SAVED_PW") != std::string::npos);

    const std::string junk = stack.plan_file("junk.json");
    std::ofstream(junk) << "{\"hello\": 1}\n";
    const Run not_plan = stack.run("apply " + junk);
    CHECK(not_plan.code == 1);
    CHECK(not_plan.err.find("not a saved plan") != std::string::npos);
    const Run plan_of_file = stack.run("plan " + file);
    CHECK(plan_of_file.code == 1);
    CHECK(plan_of_file.err.find("apply a saved plan with `converge apply " + file + "`") != std::string::npos);
}

TEST_CASE("saved plan: a pruning plan deletes what it saved, and only with --prune at plan time") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    SavedStack stack;
    stack.write("extra.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stextra}\n"
                              "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n");
    REQUIRE(stack.converge("apply --auto-approve").code == 0);
    std::filesystem::remove(stack.stack_dir() / "extra.yaml");
    const std::string file = stack.plan_file("prune.json");
    const Run plan = stack.converge("plan --prune -o " + file);
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
    CHECK(plan.out.find("StorageAccount/stextra will be deleted") != std::string::npos);
    const Run refused = stack.run("apply --prune " + file);
    CHECK(refused.code == 1);
    CHECK(refused.err.find("--prune is decided when the plan is saved") != std::string::npos);
    const Run applied = stack.run("apply " + file);
    CHECK_MESSAGE(applied.code == 0, (applied.out + applied.err));
    CHECK(applied.out.find("Apply complete: 1 done") != std::string::npos);
    CHECK(stack.converge("plan --prune --detailed-exitcode").code == 0);
    const Run again = stack.run("apply " + file);  // what it deleted is gone: stale
    CHECK(again.code == 1);
    CHECK(again.err.find("StorageAccount/stextra was deleted since the plan was saved") != std::string::npos);
}

TEST_CASE("saved plan: a rotated secret (with \" and \\) is planned, saved and applied without either value") {
    const std::string a = R"(Rot"ate\Saved-A-11)";
    const std::string b = R"(Rot"ate\Saved-B-22)";
    auto absent = [&](const std::string& text) {
        for (const std::string& s : {a, b}) {
            const std::string escaped = emutest::Json(s).dump();
            CHECK(text.find(s) == std::string::npos);
            CHECK(text.find(escaped.substr(1, escaped.size() - 2)) == std::string::npos);
        }
    };
    ::setenv("CONVERGE_TEST_SAVED_PW", a.c_str(), 1);
    SavedStack stack;
    const Run created = stack.converge("apply --auto-approve");
    REQUIRE_MESSAGE(created.code == 0, (created.out + created.err));
    CHECK(stack.converge("plan --detailed-exitcode").code == 0);

    ::setenv("CONVERGE_TEST_SAVED_PW", b.c_str(), 1);
    const std::string file = stack.plan_file("rotate.json");
    const Run plan = stack.converge("plan --detailed-exitcode -o " + file);
    CHECK_MESSAGE(plan.code == 2, (plan.out + plan.err));
    CHECK_MESSAGE(plan.out.find("~ tags.pw: (sensitive) -> (sensitive)") != std::string::npos, plan.out);
    const std::string saved = slurp(file);
    CHECK(saved.find("pbkdf2") == std::string::npos);
    const Run applied = stack.run("apply " + file);
    CHECK_MESSAGE(applied.code == 0, (applied.out + applied.err));
    const Run after = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(after.code == 0, (after.out + after.err));
    for (const std::string* text : {&created.out, &created.err, &plan.out, &plan.err, &saved, &applied.out, &applied.err,
                                    &after.out, &after.err}) {
        absent(*text);
    }
}

// Runs `cd <dir> && converge <args>` (the stack root is the working directory).
Run converge_in(const SavedStack& stack, const std::filesystem::path& dir, const std::string& args) {
    const auto out = stack.root() / "in-out";
    const auto err = stack.root() / "in-err";
    const std::string cmd = "cd '" + dir.string() + "' && " + std::string(CONVERGE_BINARY) + " " + args +
                            " </dev/null >" + out.string() + " 2>" + err.string();
    const int status = std::system(cmd.c_str());
    return Run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

TEST_CASE("saved plan: paths relative to the stack root; applies from a copy of the checkout elsewhere") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    SavedStack stack;
    namespace fs = std::filesystem;
    const fs::path first = stack.root() / "checkout-a";
    const fs::path second = stack.root() / "checkout-b";
    fs::create_directories(first);
    fs::copy(stack.stack_dir(), first / "manifests", fs::copy_options::recursive);
    std::ofstream(first / "values.yaml") << "{}\n";
    const std::string state = " --emulator --emulator-state " + stack.state_dir().string();
    const Run plan = converge_in(stack, first, "plan manifests --values values.yaml -o ../plan.json" + state);
    REQUIRE_MESSAGE(plan.code == 0, (plan.out + plan.err));
    const auto saved = emutest::Json::parse(slurp(stack.root() / "plan.json"));
    CHECK(saved["inputs"]["paths"] == emutest::Json::array({"manifests"}));
    CHECK(saved["inputs"]["values_files"] == emutest::Json::array({"values.yaml"}));
    CHECK(saved["inputs"]["emulator"] == true);
    CHECK(slurp(stack.root() / "plan.json").find(first.string()) == std::string::npos);

    // Another checkout of the same commit; the first one is gone.
    fs::copy(first, second, fs::copy_options::recursive);
    fs::remove_all(first);
    const Run applied = converge_in(stack, second, "apply ../plan.json" + state);
    CHECK_MESSAGE(applied.code == 0, (applied.out + applied.err));
    CHECK(applied.out.find("Apply complete: 2 done") != std::string::npos);

    // From a directory without the manifests: refused, saying where the paths are relative to.
    const Run elsewhere = converge_in(stack, stack.root(), "apply plan.json" + state);
    CHECK(elsewhere.code == 1);
    CHECK_MESSAGE(elsewhere.err.find("plan.json was made from manifests, which is not in " + stack.root().string() +
                                     " (paths are recorded relative to the directory plan ran in") != std::string::npos,
                  elsewhere.err);
}

TEST_CASE("saved plan: refused against another endpoint than it was made against, naming both, before any request") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    SavedStack stack;
    const std::string file = stack.plan_file("plan.json");
    REQUIRE(stack.converge("plan -o " + file).code == 0);

    // Made with --emulator, applied without: no request to the public cloud (no DNS retries).
    const auto started = std::chrono::steady_clock::now();
    const Run public_cloud = stack.bare("apply " + file + " --no-azure-cli");
    CHECK(public_cloud.code == 1);
    CHECK_MESSAGE(public_cloud.err.find("converge: error: " + file + " was made against the embedded emulator (--emulator), "
                                        "but this apply would go to ARM endpoint https://management.azure.com (authority "
                                        "https://login.microsoftonline.com): add --emulator to apply it where it was "
                                        "planned, or plan again; nothing was sent") != std::string::npos,
                  public_cloud.err);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));

    // Made against one ARM endpoint, applied against another.
    auto doc = emutest::Json::parse(slurp(file));
    doc["inputs"]["emulator"] = false;
    doc["inputs"]["arm_endpoint"] = "https://management.usgovcloudapi.net";
    doc["inputs"]["authority_host"] = "https://login.microsoftonline.us";
    std::ofstream(file, std::ios::trunc) << doc.dump();
    const Run other = stack.bare("apply " + file + " --no-azure-cli --arm-endpoint https://management.azure.com/");
    CHECK(other.code == 1);
    CHECK_MESSAGE(other.err.find("was made against ARM endpoint https://management.usgovcloudapi.net (authority "
                                 "https://login.microsoftonline.us), but this apply would go to ARM endpoint "
                                 "https://management.azure.com (authority https://login.microsoftonline.com): pass "
                                 "--arm-endpoint https://management.usgovcloudapi.net --authority-host "
                                 "https://login.microsoftonline.us") != std::string::npos,
                  other.err);
    const Run emulated = stack.run("apply " + file);
    CHECK(emulated.code == 1);
    CHECK(emulated.err.find("but this apply would go to the embedded emulator (--emulator)") != std::string::npos);
}

TEST_CASE("plan --format json: the header names format, version, stack, subscription, time and digest") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    SavedStack stack;
    const Run plan = stack.converge("plan --format json");
    REQUIRE_MESSAGE(plan.code == 0, (plan.out + plan.err));
    const auto doc = emutest::Json::parse(plan.out);
    CHECK(doc["format_version"] == "1.0");
    CHECK(doc["converge_version"] == converge::k_version);
    CHECK(doc["stack"] == "saved");
    REQUIRE(doc["subscriptions"].size() == 1);
    CHECK(doc["subscriptions"][0].get<std::string>().size() == 36);
    CHECK(doc["created_at"].get<std::string>().size() == 20);
    CHECK(doc["inputs_digest"].get<std::string>().starts_with("sha256:"));
    CHECK(plan.out.find("\"format_version\"") < plan.out.find("\"summary\""));
    // The digest is the saved plan's: the same manifests.
    const std::string file = stack.plan_file("digest.json");
    REQUIRE(stack.converge("plan -o " + file).code == 0);
    CHECK(emutest::Json::parse(slurp(file))["inputs_digest"] == doc["inputs_digest"]);
}

}  // TEST_SUITE

TEST_CASE("saved plan: a saved destroy plan, applied, says Destroy complete; a pruning one still Apply") {
    ::setenv("CONVERGE_TEST_SAVED_PW", k_secret.c_str(), 1);
    for (const std::string command : {"destroy -o ", "plan --destroy -o "}) {
        CAPTURE(command);
        SavedStack stack;
        REQUIRE(stack.converge("apply --auto-approve").code == 0);
        const std::string file = stack.plan_file("destroy.json");
        const Run plan = stack.converge(command + file);
        CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
        const Run applied = stack.run("apply " + file);
        CHECK_MESSAGE(applied.code == 0, (applied.out + applied.err));
        CHECK_MESSAGE(applied.out.find("Destroy complete: 2 done") != std::string::npos, applied.out);
        CHECK(applied.out.find("Apply complete") == std::string::npos);
        CHECK(stack.converge("plan --destroy --detailed-exitcode").code == 0);  // nothing left to destroy
    }
}
