#include "platform/modules.hpp"

namespace emulator {

void install_modules(Registry& registry) {
    install_aad(registry);
    install_admin(registry);
    install_resource_groups(registry);
    install_providers(registry);
    install_activity_log(registry);
    install_resource_graph(registry);
    install_operation_routes(registry);
    install_arm_types(registry);
    install_workspaces(registry);
    install_soft_delete(registry);
    install_computes(registry);
    install_models(registry);
    install_datastores(registry);
    install_online_endpoints(registry);
    install_jobs(registry);
    install_regional(registry);
    install_blob_storage(registry);
    install_realism(registry);
}

}  // namespace emulator
