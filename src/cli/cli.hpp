#pragma once
// The command line: one register function per subcommand, each in its own cmd_*.cpp.
// Only the CLI writes to stdout and stderr.
#include "converge/diagnostic.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace converge::cli {

/// Exit codes, documented in README.md.
inline constexpr int k_exit_ok = 0;           ///< success, or a plan with no changes
inline constexpr int k_exit_error = 1;        ///< any error
inline constexpr int k_exit_changes = 2;      ///< plan has changes
inline constexpr int k_exit_destructive = 3;  ///< plan has a delete or a replace

/// Options every subcommand shares.
struct GlobalOptions {
    int verbose = 0;
    bool no_color = false;
    std::string log_format = "text";  ///< text | json

    /// Colour on stdout: a TTY, no --no-color, no NO_COLOR in the environment.
    bool color_stdout() const;
    bool color_stderr() const;
};

/// Each subcommand registers its options and sets `exit_code` when it runs.
void register_validate(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_plan(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_apply(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_destroy(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_force_unlock(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_sync(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_emulator(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_export(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_get(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_show(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_score(CLI::App& app, const GlobalOptions& global, int& exit_code);
void register_run(CLI::App& app, const GlobalOptions& global, int& exit_code);
/// `converge completion bash|zsh`, generated from the registered subcommands: register it last.
void register_completion(CLI::App& app, int& exit_code);

/// "converge 0.1.0 (commit 1a2b3c4d5e6f, RelWithDebInfo)": what `converge version` and `--version` print.
std::string fmt_version();

/// True when an -o/--out FILE argument is a bare output format name ("json", "yaml", "table",
/// "markdown", "text"): the az/kubectl habit, which would save the plan to a file of that name.
bool is_format_name(const std::string& out_file);

/// Checks --var NAME=VALUE at parse time (without '=' it is an error, not a null value).
CLI::Validator var_validator();

/// --strict: the same diagnostics with every warning made an error.
Diagnostics warnings_as_errors(const Diagnostics& diagnostics);

/// Parses argv, runs the chosen subcommand, returns the process exit code.
int run(int argc, char** argv);

}  // namespace converge::cli
