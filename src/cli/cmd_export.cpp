// `converge export --resource-group RG [--workspace WS] [--stack NAME] [--single-file] [--format azml] -o DIR`:
// what exists, written as a manifest directory (docs/onboarding.md).
#include "cli/session.hpp"
#include "cli/stack.hpp"

#include "converge/discover.hpp"
#include "converge/export.hpp"
#include "converge/manifest.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace converge::cli {

namespace {

struct ExportCommand {
    SessionOptions session;
    std::string resource_group;
    std::string workspace;
    std::string stack;
    bool single_file = false;
    std::string format = "converge";
    std::string out_dir;
};

std::string command_line(const ExportCommand& cmd) {
    std::string line = "converge export --resource-group " + cmd.resource_group;
    if (!cmd.workspace.empty()) {
        line += " --workspace " + cmd.workspace;
    }
    if (!cmd.stack.empty()) {
        line += " --stack " + cmd.stack;
    }
    if (cmd.single_file) {
        line += " --single-file";
    }
    if (cmd.format != "converge") {
        line += " --format " + cmd.format;
    }
    return line + " -o " + cmd.out_dir;
}

bool has_manifests(const std::filesystem::path& dir) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto ext = entry.path().extension();
        if (ext == ".yaml" || ext == ".yml") {
            return true;
        }
    }
    return false;
}

int run_export(const ExportCommand& cmd, const GlobalOptions& global) {
    if (is_format_name(cmd.out_dir)) {
        print_error("-o/--out DIR is the directory the manifests are written to (to write to a directory named \"" +
                    cmd.out_dir + "\", write -o ./" + cmd.out_dir + ")");
        return k_exit_error;
    }
    const std::filesystem::path out(cmd.out_dir);
    if (has_manifests(out)) {
        print_error(cmd.out_dir + " already holds manifests; export writes into a new or empty directory");
        return k_exit_error;
    }
    auto session = Session::open(cmd.session, global);
    if (!session) {
        return k_exit_error;
    }
    DiscoverScope scope;
    scope.subscription = session->subscription();
    scope.resource_group = cmd.resource_group;
    scope.workspace = cmd.workspace;
    scope.parallelism = cmd.session.client.parallelism;
    auto found = discover(session->api(), scope);
    if (!found) {
        if (found.error().is_not_found() && found.error().code != "ResourceNotFound") {
            print_error("resource group " + cmd.resource_group + " not found in subscription " + scope.subscription);
        } else {
            print_error("reading " + cmd.resource_group + ": " + found.error().to_string());
        }
        return k_exit_error;
    }
    ExportOptions options;
    options.stack = cmd.stack.empty() ? cmd.resource_group : cmd.stack;
    options.subscription = scope.subscription;
    options.resource_group = cmd.resource_group;
    options.single_file = cmd.single_file;
    options.format = cmd.format == "azml" ? ExportFormat::azml : ExportFormat::converge;
    options.command_line = command_line(cmd);
    const ExportResult result = export_manifests(*found, options);

    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    for (const auto& file : result.files) {
        std::ofstream stream(out / file.name, std::ios::binary | std::ios::trunc);
        stream << file.text;
        stream.close();
        if (!stream) {
            print_error("cannot write " + (out / file.name).string());
            return k_exit_error;
        }
    }
    for (const auto& note : result.notes) {
        std::fprintf(stderr, "converge: note: %s\n", note.c_str());
    }
    // What was written must load: check it the way validate does (placeholders allowed).
    LoadOptions load;
    load.paths = {cmd.out_dir};
    load.require_environment = false;
    load.default_subscription = scope.subscription;
    const LoadResult loaded = load_manifests(load);
    bool invalid = false;
    for (const auto& d : loaded.diagnostics.sorted()) {
        if (d.severity == Severity::warning && d.message.find("is not set") != std::string::npos) {
            continue;  // the ${env:} placeholders, listed below
        }
        invalid = invalid || d.severity == Severity::error;
        std::fprintf(stderr, "%s\n", d.to_string().c_str());
    }
    std::printf("Exported %zu resource%s of %s to %s (%zu file%s), stack \"%s\".\n", result.resources,
                result.resources == 1 ? "" : "s", cmd.resource_group.c_str(), cmd.out_dir.c_str(), result.files.size(),
                result.files.size() == 1 ? "" : "s", options.stack.c_str());
    if (!result.secrets.empty()) {
        std::printf("Azure never returns these values; set them before plan or apply:\n");
        for (const auto& s : result.secrets) {
            std::printf("  %s  (%s %s)\n", s.env.c_str(), s.label.c_str(), s.field.c_str());
        }
    }
    if (invalid) {
        print_error("the exported manifests do not validate (above); edit them before plan");
        return k_exit_error;
    }
    for (const auto& other : result.other_stacks) {
        std::printf("Owned by another stack: %s; plan with --take-over-from to move it\n", other.c_str());
    }
    if (result.untagged > 0) {
        std::printf("Next: converge plan %s --adopt   (%zu resource%s no stack owns show%s as adopted, <=), then "
                    "converge apply %s --adopt\n",
                    cmd.out_dir.c_str(), result.untagged, result.untagged == 1 ? "" : "s", result.untagged == 1 ? "s" : "",
                    cmd.out_dir.c_str());
    } else if (result.other_stacks.empty()) {
        std::printf("Next: converge plan %s   (stack \"%s\" owns everything exported)\n", cmd.out_dir.c_str(),
                    options.stack.c_str());
    }
    return k_exit_ok;
}

}  // namespace

void register_export(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<ExportCommand>();
    auto* sub = app.add_subcommand("export", "Write manifests for what exists in a resource group (never writes to Azure)");
    sub->add_option("--resource-group,-g", cmd->resource_group, "The resource group to export")->required();
    sub->add_option("--workspace,-w", cmd->workspace,
                    "Only this workspace (with the resources it references, its computes and models)");
    sub->add_option("--stack", cmd->stack, "Stack name written to converge.yaml (default: the resource group's name)");
    sub->add_flag("--single-file", cmd->single_file, "Every resource in one file, resources.yaml");
    sub->add_option("--format", cmd->format,
                    "converge: converge documents; azml: workspaces, computes and models as az ml CLI v2 YAML "
                    "(docs/azml-yaml.md)")
        ->check(CLI::IsMember({"converge", "azml"}));
    sub->add_option("-o,--out", cmd->out_dir, "Directory to write (new or empty)")->required();
    add_session_options(*sub, cmd->session);
    sub->callback([cmd, &global, &exit_code] { exit_code = run_export(*cmd, global); });
}

}  // namespace converge::cli
