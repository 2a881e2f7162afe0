#include "modules.hpp"

namespace emulator {

void install_modules(Registry& registry) {
    install_aad(registry);
    install_admin(registry);
    install_resource_groups(registry);
    install_providers(registry);
    install_operation_routes(registry);
    install_arm_types(registry);
    install_workspaces(registry);
    install_computes(registry);
    // emu-ml (issue 8 and the ML assets) plugs in here, after the types it refines.
}

}  // namespace emulator
