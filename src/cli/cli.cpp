#include "cli/cli.hpp"

#include "converge/version.hpp"

#include <cstdlib>
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
}  // namespace

bool GlobalOptions::color_stdout() const { return color_allowed(*this, 1); }
bool GlobalOptions::color_stderr() const { return color_allowed(*this, 2); }

int run(int argc, char** argv) {
    CLI::App app{"converge: a declarative reconciler for Azure Machine Learning"};
    app.set_version_flag("--version", std::string("converge ") + k_version);
    app.require_subcommand(1);
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
    register_emulator(app, global, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? k_exit_ok : k_exit_error;
    }
    return exit_code;
}

}  // namespace converge::cli
