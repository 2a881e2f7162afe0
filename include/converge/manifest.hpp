#pragma once
// Loading manifests: YAML files -> a validated DesiredSet with ids, defaults, interpolation,
// dependencies and positions. No network; user errors are diagnostics, never exceptions.
// The format is documented in docs/manifests.md.
#include "converge/diagnostic.hpp"
#include "converge/lock_config.hpp"
#include "converge/model.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace converge {

/// What to load and the inputs that fill variables and defaults.
struct LoadOptions {
    std::vector<std::string> paths;            ///< directories (read recursively) or files
    std::vector<std::string> values_files;     ///< --values FILE (YAML map of variables)
    std::vector<std::pair<std::string, std::string>> vars;  ///< --var k=v (later wins)
    /// From --subscription / AZURE_SUBSCRIPTION_ID / the emulator; used when manifests and
    /// converge.yaml give none.
    std::string default_subscription;
    /// false (validate): a placeholder subscription id is used when none is known.
    bool require_subscription = false;
    /// false (validate): an unset environment variable (`${env:X}` or a variable's `env:`)
    /// becomes a placeholder instead of an error, so CI can validate without secrets.
    bool require_environment = true;
};

/// The desired set, and every problem found while building it.
struct LoadResult {
    DesiredSet desired;
    /// converge.yaml `lock:` (absent: the stack has no cross-machine lock).
    std::optional<StackLockConfig> lock;
    Diagnostics diagnostics;
    std::size_t file_count = 0;  ///< manifest files read (converge.yaml not counted)
};

/// One in-memory manifest file, for tests and generated estates.
struct SourceFile {
    std::string path;  ///< shown in diagnostics
    std::string text;
};

/// The subscription id used by validate when none is known.
inline constexpr const char* k_placeholder_subscription = "00000000-0000-0000-0000-000000000000";

/// Reads every manifest under options.paths (no network, never throws for user errors).
LoadResult load_manifests(const LoadOptions& options);

/// Same, from in-memory files; `config` is the converge.yaml text (may be empty) and
/// `stack_dir` names the stack when converge.yaml has no `stack:`.
LoadResult load_sources(const std::vector<SourceFile>& files, const SourceFile& config,
                        const std::string& stack_dir, const LoadOptions& options);

}  // namespace converge
