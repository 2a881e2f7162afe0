#pragma once
// The installers that fill a Registry. Add a module: declare its installer here and call it
// from install_modules() in modules.cpp (after the ones it builds on).
#include "registry.hpp"

namespace emulator {

/// Everything, in order.
void install_modules(Registry& registry);

void install_aad(Registry& registry);
void install_admin(Registry& registry);
void install_resource_groups(Registry& registry);
void install_providers(Registry& registry);
void install_operation_routes(Registry& registry);
void install_arm_types(Registry& registry);
void install_workspaces(Registry& registry);
void install_computes(Registry& registry);

}  // namespace emulator
