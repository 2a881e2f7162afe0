#include "cli/cli.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    try {
        return converge::cli::run(argc, argv);
    } catch (const std::exception& e) {
        // Exceptions are bugs or fatal setup problems; user errors are diagnostics.
        std::fprintf(stderr, "converge: fatal: %s\n", e.what());
        return converge::cli::k_exit_error;
    }
}
