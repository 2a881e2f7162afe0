#pragma once
// Shared by the Microsoft.MachineLearningServices types.
#include <string>
#include <vector>

namespace emulator {

/// Api-versions of Microsoft.MachineLearningServices, newest first.
const std::vector<std::string>& ml_api_versions();

/// "Microsoft.MachineLearningServices/workspaces".
inline const std::string k_workspace_type = "Microsoft.MachineLearningServices/workspaces";
/// "Microsoft.MachineLearningServices/workspaces/computes".
inline const std::string k_compute_type = "Microsoft.MachineLearningServices/workspaces/computes";

}  // namespace emulator
