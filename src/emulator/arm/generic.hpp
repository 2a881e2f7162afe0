#pragma once
// Generic ARM CRUD for every registered TypeBehaviour: PUT/GET/HEAD/PATCH/DELETE on an item,
// list by parent and by subscription. Per-type behaviour comes from the hooks.
#include "platform/registry.hpp"

namespace emulator {

/// Where a typed request points.
struct Target {
    std::string id;         ///< resource id (names as sent)
    std::string name;       ///< last name
    std::string parent_id;  ///< resource group id or parent resource id
    std::string subscription;
    std::string resource_group;
};

/// The target of a typed route (ctx.type + ctx.names).
Target target_of(const Context& ctx);
/// 404 when the resource group or the parent resource is missing.
std::optional<ArmError> check_parents(Context& ctx, const Target& t);
/// The visible record a typed item route points at, or the ARM 404 to answer with.
std::optional<Record> load_item(Context& ctx, Response& not_found);
/// The representation returned to clients: write-only fields removed, read filters applied.
Json render(const Context& ctx, const Record& record);
/// render() as JSON text; the stored text itself when rendering could not change it.
std::string render_text(const Context& ctx, StoredRecord stored);
/// Whether JSON text may hold a member named `name` (false: it certainly does not).
bool may_hold_member(std::string_view text, std::string_view name);
/// Sets properties.provisioningState (creating "properties" if needed).
void set_provisioning_state(Json& body, const std::string& state);

Response generic_put(Context& ctx);
Response generic_get(Context& ctx);
Response generic_head(Context& ctx);
Response generic_patch(Context& ctx);
Response generic_delete(Context& ctx);
Response generic_list(Context& ctx);
Response generic_list_by_subscription(Context& ctx);

}  // namespace emulator
