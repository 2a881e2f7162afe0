// `converge validate DIR... [--values FILE]... [--var k=v]...`: load and check, no network.
#include "cli/cli.hpp"

#include "converge/manifest.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <memory>

namespace converge::cli {

namespace {

struct ValidateOptions {
    std::vector<std::string> paths;
    std::vector<std::string> values_files;
    std::vector<std::string> vars;
    bool strict = false;
};

/// "error:" / "warning:" in colour, the rest as is.
std::string colorize(const Diagnostic& d) {
    std::string text = d.to_string();
    const char* word = d.severity == Severity::error ? "error:" : d.severity == Severity::warning ? "warning:" : "note:";
    const char* color = d.severity == Severity::error ? "\033[1;31m" : d.severity == Severity::warning ? "\033[1;35m"
                                                                                                        : "\033[1;36m";
    const auto at = text.find(word);
    if (at != std::string::npos) {
        text.replace(at, std::string_view(word).size(), fmt::format("{}{}\033[0m", color, word));
    }
    return text;
}

int run_validate(const ValidateOptions& o, const GlobalOptions& global) {
    LoadOptions options;
    options.paths = o.paths;
    options.values_files = o.values_files;
    for (const auto& kv : o.vars) {
        const auto eq = kv.find('=');  // var_validator checked there is one
        options.vars.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    options.require_subscription = false;
    options.require_environment = false;
    LoadResult result = load_manifests(options);
    if (o.strict) {
        result.diagnostics = warnings_as_errors(result.diagnostics);
    }
    const bool color = global.color_stderr();
    for (const auto& d : result.diagnostics.sorted()) {
        const std::string line = color ? colorize(d) : d.to_string();
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    if (result.diagnostics.has_errors()) {
        const auto n = result.diagnostics.error_count();
        std::fprintf(stderr, "%zu error%s\n", n, n == 1 ? "" : "s");
        return k_exit_error;
    }
    const auto resources = result.desired.resources.size();
    std::string where;
    for (const auto& p : o.paths) {
        where += (where.empty() ? "" : ", ") + p;
    }
    std::printf("%s: %zu resource%s in %zu file%s %s valid.\n", where.c_str(), resources, resources == 1 ? "" : "s",
                result.file_count, result.file_count == 1 ? "" : "s", resources == 1 ? "is" : "are");
    return k_exit_ok;
}

}  // namespace

void register_validate(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto options = std::make_shared<ValidateOptions>();
    auto* sub = app.add_subcommand("validate", "Check manifests offline: syntax, schemas, references, cycles");
    sub->add_option("paths", options->paths, "Manifest directories or files")->required();
    // One value per flag, so `--var a=1 DIR` leaves DIR to the positional arguments.
    sub->add_option("--values", options->values_files, "YAML file of variable values (repeatable; later wins)")
        ->allow_extra_args(false);
    sub->add_option("--var", options->vars, "Set a variable: NAME=VALUE (repeatable; wins over --values)")
        ->check(var_validator())
        ->allow_extra_args(false);
    sub->add_flag("--strict", options->strict,
                  "Treat warnings (unset ${env:} variables, near-miss keys, ...) as errors");
    sub->callback([options, &global, &exit_code] { exit_code = run_validate(*options, global); });
}

}  // namespace converge::cli
