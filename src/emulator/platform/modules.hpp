#pragma once
// The installers that fill a Registry. Add a module: declare its installer here and call it
// from install_modules() in modules.cpp (after the ones it builds on).
#include "platform/registry.hpp"

namespace emulator {

/// Everything, in order.
void install_modules(Registry& registry);

void install_aad(Registry& registry);
void install_admin(Registry& registry);
void install_resource_groups(Registry& registry);
void install_providers(Registry& registry);
/// The Activity Log query route (writes are recorded by dispatch, arm/activity_log.hpp).
void install_activity_log(Registry& registry);
/// POST /providers/Microsoft.ResourceGraph/resources (arm/resource_graph.cpp).
void install_resource_graph(Registry& registry);
void install_operation_routes(Registry& registry);
void install_arm_types(Registry& registry);
void install_workspaces(Registry& registry);
/// Key Vault and workspace soft-delete (after install_arm_types and install_workspaces).
void install_soft_delete(Registry& registry);
void install_computes(Registry& registry);
void install_models(Registry& registry);
/// Workspace datastores and the default one each workspace gets (after install_workspaces).
void install_datastores(Registry& registry);
void install_online_endpoints(Registry& registry);
/// Workspace jobs (command jobs: status over time, failure, cancel).
void install_jobs(Registry& registry);
void install_regional(Registry& registry);
/// Blob storage data plane for stack locks (blob leases), path-style /{account}/{container}/{blob}.
void install_blob_storage(Registry& registry);
/// Last: wraps every registered type with the realism rules (issue 8).
void install_realism(Registry& registry);

}  // namespace emulator
