#include "cli/cli.hpp"

#include "converge/diagnostic.hpp"
#include "converge/version.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace converge::cli {

namespace {
bool color_allowed(const GlobalOptions& g, int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    if (g.no_color || (no_color != nullptr && *no_color != '\0')) {
        return false;
    }
    return ::isatty(fd) != 0;
}


/// The first argument that is not an option (nor the value of --log-format): the subcommand
/// the user meant, or "" when there is none.
std::string first_command(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--log-format") {
            ++i;
            continue;
        }
        if (arg == "--") {
            return i + 1 < argc ? argv[i + 1] : "";
        }
        if (!arg.starts_with("-")) {
            return std::string(arg);
        }
    }
    return "";
}

void register_version(CLI::App& app, int& exit_code) {
    auto* sub = app.add_subcommand("version", "Print the version, the git commit and the build type");
    sub->callback([&exit_code] {
        std::printf("%s\n", fmt_version().c_str());
        exit_code = k_exit_ok;
    });
}
}  // namespace

std::string fmt_version() {
    return std::string("converge ") + k_version + " (commit " + k_commit + ", " + k_build_type + ")";
}

bool GlobalOptions::color_stdout() const { return color_allowed(*this, 1); }
bool GlobalOptions::color_stderr() const { return color_allowed(*this, 2); }

int run(int argc, char** argv) {
    CLI::App app{"converge: a declarative reconciler for Azure Machine Learning"};
    app.set_version_flag("--version", fmt_version());
    app.require_subcommand(1);
    // Subcommands pass the options they do not know to the top level, so the global flags
    // (-v, --no-color, --log-format) work before or after the subcommand.
    app.fallthrough();
    GlobalOptions global;
    app.add_flag("-v,--verbose", global.verbose, "Print one line per HTTP request (repeat for more)");
    app.add_flag("--no-color", global.no_color, "Disable colours (also NO_COLOR)");
    app.add_option("--log-format", global.log_format, "Log and event format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();

    int exit_code = k_exit_ok;
    register_validate(app, global, exit_code);
    register_plan(app, global, exit_code);
    register_apply(app, global, exit_code);
    register_destroy(app, global, exit_code);
    register_force_unlock(app, global, exit_code);
    register_sync(app, global, exit_code);
    register_emulator(app, global, exit_code);
    register_export(app, global, exit_code);
    register_get(app, global, exit_code);
    register_show(app, global, exit_code);
    register_score(app, global, exit_code);
    register_run(app, global, exit_code);
    register_version(app, exit_code);
    register_completion(app, exit_code);

    if (const std::string command = first_command(argc, argv); !command.empty()) {
        std::vector<std::string> names;
        for (const CLI::App* sub : app.get_subcommands({})) {
            names.push_back(sub->get_name());
        }
        if (std::find(names.begin(), names.end(), command) == names.end()) {
            const std::string guess = did_you_mean(command, names);
            std::fprintf(stderr, "converge: error: unknown command \"%s\"%s\nRun with --help for the commands.\n",
                         command.c_str(), guess.empty() ? "" : (" (did you mean \"" + guess + "\"?)").c_str());
            return k_exit_error;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? k_exit_ok : k_exit_error;
    }
    return exit_code;
}

}  // namespace converge::cli
