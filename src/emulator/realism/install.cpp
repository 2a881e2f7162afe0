// Wires the realism rules (realism.hpp) into every registered type: a first validator that
// rewrites the body (and may refuse it), a server-field hook that moves write-only fields to
// the record's secrets, and the full region table for location checks.
#include "arm/arm.hpp"
#include "platform/modules.hpp"
#include "realism/realism.hpp"
#include "platform/services.hpp"

namespace emulator {

namespace {

realism::Context realism_context(WriteContext& w) {
    Context& ctx = w.ctx;
    realism::Context c;
    c.subscription = ctx.param("subscriptionId");
    c.resource_group = ctx.param("resourceGroupName");
    c.name = ctx.names.empty() ? w.body.value("name", "") : ctx.names.back();
    c.parent = ctx.names.size() > 1 ? ctx.names[ctx.names.size() - 2] : "";
    // Deployments live under workspaces/{ws}/onlineEndpoints/{ep}: the workspace is names[0].
    if (ctx.names.size() > 2) {
        c.parent = ctx.names[0];
    }
    c.tenant_id = ctx.svc.credentials.tenant_id;
    c.base_url = ctx.base_url();
    c.now = ctx.svc.now_iso();
    Services* svc = &ctx.svc;
    c.new_guid = [svc] { return svc->new_uuid(); };
    return c;
}

ArmError to_arm(const realism::Error& e) { return ArmError{e.status, e.code, e.message, e.target}; }

Validator realism_validator(std::string type) {
    return [type](WriteContext& w) -> std::optional<ArmError> {
        const realism::Options options{w.ctx.svc.options.realism};
        const realism::Context context = realism_context(w);
        std::optional<realism::Error> error;
        if (w.patch && w.existing != nullptr) {
            error = realism::on_patch(type, w.body, context, w.existing->body, options);
        } else {
            error = realism::on_put(type, w.body, context, w.existing != nullptr ? &w.existing->body : nullptr, options);
        }
        return error ? std::optional<ArmError>(to_arm(*error)) : std::nullopt;
    };
}

// Write-only values never stay in the representation: they move to the record's secrets
// (under "writeOnly"), where only listKeys-style actions can read them.
Mutator write_only_mover(std::string type) {
    return [type](WriteContext& w) {
        Json taken = realism::take_write_only(type, w.body);
        if (taken.empty()) {
            return;
        }
        if (!w.secrets.contains("writeOnly") || !w.secrets["writeOnly"].is_object()) {
            w.secrets["writeOnly"] = Json::object();
        }
        w.secrets["writeOnly"].merge_patch(taken);
    };
}

std::optional<ArmError> check_rg_location(Json& body) {
    if (auto error = realism::normalize_location(body, "Microsoft.Resources/resourceGroups")) {
        return to_arm(*error);
    }
    return std::nullopt;
}

// GET /subscriptions/{s}/locations (Subscriptions - List Locations): az validates a
// display-name location against it before `az group create -l "West Europe"`.
Response list_locations(Context& ctx) {
    Json value = Json::array();
    const std::string sub = ctx.param("subscriptionId");
    for (const auto& region : realism::regions()) {
        const std::string name(region.name);
        value.push_back({{"id", "/subscriptions/" + sub + "/locations/" + name},
                         {"name", name},
                         {"type", "Region"},
                         {"displayName", std::string(region.display_name)},
                         {"regionalDisplayName", std::string(region.display_name)},
                         {"metadata", {{"regionType", "Physical"}, {"regionCategory", "Recommended"}}}});
    }
    return Response::json(200, Json{{"value", value}});
}

}  // namespace

void install_realism(Registry& registry) {
    registry.add_route({"GET", "/subscriptions/{subscriptionId}/locations", list_locations, Auth::arm,
                        ApiPolicy::arm_own(arm_subscription_api_versions())});
    registry.locations.clear();
    for (const auto& region : realism::regions()) {
        registry.locations.emplace_back(std::string(region.name), std::string(region.display_name));
    }
    for (const auto& type : registry.types()) {
        type->validate.insert(type->validate.begin(), realism_validator(type->type));
        type->server_fields.push_back(write_only_mover(type->type));
    }
    registry.rg_validate.push_back([](Context& ctx, Json& body) -> std::optional<ArmError> {
        if (!ctx.svc.options.realism) {
            return std::nullopt;
        }
        return check_rg_location(body);
    });
}

}  // namespace emulator
