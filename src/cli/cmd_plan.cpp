#include "cli.hpp"

#include <cstdio>

namespace converge::cli {

// Placeholder until the owning issue lands; replaced, not extended.
void register_plan(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
    auto* sub = app.add_subcommand("plan", "(not yet available)");
    sub->callback([&exit_code] {
        std::fputs("converge plan: not yet available in this build\n", stderr);
        exit_code = k_exit_error;
    });
}

}  // namespace converge::cli
