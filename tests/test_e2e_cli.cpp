// End-to-end through the `converge` binary with --emulator: exit codes, confirmation refusal
// without a TTY, invalid manifests, secrets in output.
#include "cli_stack.hpp"

#include <doctest/doctest.h>

#include <fstream>

using converge::testing::Run;

namespace {

const std::string k_secret = "Sup3r-Secret-CLI-value";

// A resource group and a storage account whose tag holds a secret.
class CliStack : public converge::testing::CliStack {
public:
    CliStack() : converge::testing::CliStack("e2e-cli") {
        write("converge.yaml", "apiVersion: converge/v1\nstack: cli\ndefaults:\n  resourceGroup: rg-cli\n"
                               "  location: westeurope\n  workspace: ws-cli\nvariables:\n  pw:\n    sensitive: true\n"
                               "    value: " + k_secret + "\n");
        write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-cli}\nspec: {}\n");
        write("sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stcli}\n"
                         "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {pw: \"${var:pw}\"}}\n");
    }
};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("converge binary: refuse without a TTY, apply, plan empty, detailed exit codes") {
    CliStack stack;
    const Run refused = stack.converge("apply");
    CHECK(refused.code == 1);
    CHECK(refused.err.find("--auto-approve") != std::string::npos);

    const Run applied = stack.converge("apply --auto-approve");
    CHECK_MESSAGE(applied.code == 0, (applied.out + applied.err));
    CHECK(applied.out.find("Apply complete: 2 done") != std::string::npos);

    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));

    stack.write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-cli}\nspec: {tags: {a: b}}\n");
    CHECK(stack.converge("plan --detailed-exitcode").code == 2);
    stack.write("sa.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stcli}\n"
                           "spec: {kind: StorageV2, sku: {name: Standard_LRS}, location: northeurope}\n");
    CHECK(stack.converge("plan --detailed-exitcode").code == 3);

    const Run json_apply = stack.converge("--log-format json apply --auto-approve");
    CHECK_MESSAGE(json_apply.code == 0, (json_apply.out + json_apply.err));
    CHECK(json_apply.out.find("\"type\":\"apply_finished\"") != std::string::npos);
    for (const auto& r : {refused, applied, plan, json_apply,
                          stack.converge("plan --format json"), stack.converge("plan --format markdown")}) {
        CHECK(r.out.find(k_secret) == std::string::npos);
        CHECK(r.err.find(k_secret) == std::string::npos);
    }
    const Run destroyed = stack.converge("destroy --auto-approve");
    CHECK_MESSAGE(destroyed.code == 0, (destroyed.out + destroyed.err));
}

TEST_CASE("converge binary: an invalid manifest is an error before anything is sent") {
    CliStack stack;
    stack.write("bad.yaml", "apiVersion: converge/v1\nkind: Compte\nmetadata: {name: x}\n");
    const Run run = stack.converge("apply --auto-approve");
    CHECK(run.code == 1);
    CHECK(run.err.find("bad.yaml") != std::string::npos);
    CHECK(run.out.find("Apply") == std::string::npos);
}

}  // TEST_SUITE

TEST_SUITE("e2e") {

TEST_CASE("converge binary: global flags after the subcommand, unknown commands, -o FORMAT, version") {
    CliStack stack;
    const std::string dir = stack.stack_dir().string();

    // -v, --no-color and --log-format work after the subcommand as before it.
    const Run after = stack.converge("plan -v --no-color --log-format text");
    CHECK_MESSAGE(after.code == 0, (after.out + after.err));
    CHECK(after.err.find("GET ") != std::string::npos);  // -v: one line per request
    const Run before = stack.converge("-v plan");
    CHECK_MESSAGE(before.code == 0, (before.out + before.err));
    CHECK(before.err.find("GET ") != std::string::npos);

    const Run typo = stack.bare("plna " + dir);
    CHECK(typo.code == 1);
    CHECK(typo.err.find("converge: error: unknown command \"plna\" (did you mean \"plan\"?)") != std::string::npos);
    CHECK(stack.bare("-v frobnicate").err.find("unknown command \"frobnicate\"\n") != std::string::npos);

    for (const std::string format : {"json", "yaml", "markdown"}) {
        const Run out = stack.converge("plan -o " + format);
        CHECK(out.code == 1);
        CHECK(out.err.find("-o/--out FILE saves the plan to a file; for the output format use --format") !=
              std::string::npos);
        CHECK_FALSE(std::filesystem::exists(format));
    }
    CHECK(stack.converge("plan -o json").err.find("use --format json (to save to a file named \"json\", write -o ./json)")
          != std::string::npos);

    for (const std::string args : {"version", "--version"}) {
        const Run v = stack.bare(args);
        CHECK(v.code == 0);
        CHECK(v.out.starts_with("converge "));
        CHECK(v.out.find(" (commit ") != std::string::npos);
        CHECK(v.out.find(std::string(", ") + CONVERGE_BUILD_TYPE + ")") != std::string::npos);
    }
}

TEST_CASE("converge completion: generated from the CLI, valid bash, completes commands and choices") {
    CliStack stack;
    const Run bash = stack.bare("completion bash");
    REQUIRE(bash.code == 0);
    const Run help = stack.bare("--help");
    // Every subcommand the CLI registers is offered.
    for (const std::string command : {"validate", "plan", "apply", "destroy", "emulator", "version", "completion"}) {
        REQUIRE(help.out.find("  " + command + " ") != std::string::npos);
        CHECK(bash.out.find(" " + command + ")") != std::string::npos);
    }
    const auto script = stack.root() / "completion.bash";
    std::ofstream(script) << bash.out;
    // Source it and ask bash itself what it completes.
    auto complete = [&](const std::string& words, int cword) {
        const std::string cmd = "bash -c 'source " + script.string() + "; COMP_WORDS=(" + words +
                                "); COMP_CWORD=" + std::to_string(cword) + "; _converge; echo \"${COMPREPLY[*]}\"' >" +
                                (stack.root() / "reply").string() + " 2>&1";
        CHECK(std::system(cmd.c_str()) == 0);
        return converge::testing::slurp(stack.root() / "reply");
    };
    CHECK(complete("converge pl", 1) == "plan\n");
    CHECK(complete("converge plan --refresh \"\"", 3) == "list per-resource graph\n");
    CHECK(complete("converge --log-format json plan --detailed", 4) == "--detailed-exitcode\n");
    CHECK(complete("converge completion \"\"", 2).find("bash zsh") != std::string::npos);

    const Run zsh = stack.bare("completion zsh");
    CHECK(zsh.code == 0);
    CHECK(zsh.out.starts_with("#compdef converge\n"));
    CHECK(zsh.out.find("'--refresh[How to read current state]:value:(list per-resource graph)'") != std::string::npos);
    CHECK(stack.bare("completion fish").code == 1);
}

TEST_CASE("converge binary: --var without '=', unknown --var names, validate --strict") {
    CliStack stack;
    const std::string dir = stack.stack_dir().string();
    const Run no_eq = stack.converge("plan --var pw");
    CHECK(no_eq.code == 1);
    CHECK(no_eq.err.find("expects NAME=VALUE, got \"pw\"") != std::string::npos);
    CHECK(stack.bare("validate " + dir + " --var pw").code == 1);

    const Run unknown = stack.converge("plan --var pww=1");
    CHECK(unknown.code == 1);
    CHECK(unknown.err.find("--var pww: error: unknown variable \"pww\": converge.yaml declares no such variable and no "
                           "manifest uses it (did you mean \"pw\"?)") != std::string::npos);
    CHECK(unknown.err.find("=1") == std::string::npos);  // the value is never shown
    CHECK(stack.bare("validate " + dir + " --var pww=1").code == 1);
    // One value per --var: the directory after it is not taken for a second variable.
    const Run before_dir = stack.bare("validate --var pw=x " + dir);
    CHECK_MESSAGE(before_dir.code == 0, before_dir.err);

    stack.write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-cli}\n"
                           "spec: {tags: {owner: \"${env:CONVERGE_E2E_SURELY_UNSET}\"}}\n");
    const Run lenient = stack.bare("validate " + dir);
    CHECK_MESSAGE(lenient.code == 0, lenient.err);
    CHECK(lenient.err.find("rg.yaml:4:22: warning: environment variable \"CONVERGE_E2E_SURELY_UNSET\" is not set "
                           "(plan and apply need it)") != std::string::npos);
    const Run strict = stack.bare("validate --strict " + dir);
    CHECK(strict.code == 1);
    CHECK(strict.err.find("rg.yaml:4:22: error: environment variable") != std::string::npos);
    CHECK(stack.bare("validate " + dir + " --strict").code == 1);
}

}  // TEST_SUITE
