#pragma once
// Shared by regional.cpp (discovery, history, execution) and regional_models.cpp.
#include "platform/registry.hpp"

#include <string>

namespace emulator {

/// The workspace path every regional route carries after its operation group.
inline const std::string k_regional_workspace =
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
    "Microsoft.MachineLearningServices/workspaces/{workspaceName}";

/// The ARM id of the workspace a regional route names.
std::string regional_workspace_id(const Context& ctx);
/// False (and a 404 in `error`) when that workspace does not exist.
bool check_regional_workspace(Context& ctx, Response& error);
/// The regional API's error body: {"error": {"code", "message"}}.
Response regional_error(int status, const std::string& message);
/// modelmanagement/v1.0 routes.
void install_regional_models(Registry& registry);

}  // namespace emulator
