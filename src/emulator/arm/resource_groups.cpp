// Subscriptions and resource groups: ARM's own types, served by ARM itself (not an RP).
#include "arm/arm.hpp"
#include "platform/modules.hpp"
#include "arm/operations.hpp"

#include <regex>

namespace emulator {

namespace {

const std::string k_rg_type = "Microsoft.Resources/resourceGroups";

Json render_subscription(const Record& r) {
    Json out = r.body;
    out.erase("_principals");
    return out;
}

bool visible_to(const Record& sub, const Principal& p) {
    const Json& owners = sub.body["_principals"];
    return owners.is_array() && std::find(owners.begin(), owners.end(), p.object_id) != owners.end();
}

Response list_subscriptions(Context& ctx) {
    Store::Transaction tx(*ctx.svc.store);
    RecordQuery q;
    q.type = "microsoft.resources/subscriptions";
    std::vector<Json> items;
    for (const auto& r : ctx.svc.store->list(q)) {
        if (visible_to(r, ctx.principal)) {
            items.push_back(render_subscription(r));
        }
    }
    tx.commit();
    return Response::json(200, Json{{"value", items}, {"count", {{"type", "Total"}, {"value", items.size()}}}});
}

Response get_subscription(Context& ctx) {
    auto r = ctx.svc.store->get("/subscriptions/" + ctx.param("subscriptionId"));
    return Response::json(200, render_subscription(*r));  // existence checked by the pipeline
}

std::string rg_id(const Context& ctx) {
    return resource_group_id(ctx.param("subscriptionId"), ctx.param("resourceGroupName"));
}

std::optional<ArmError> check_rg_name(const std::string& name) {
    static const std::regex k_pattern(R"(^[-\w\._\(\)]+$)");
    if (name.size() > 90 || name.empty() || name.back() == '.' || !std::regex_match(name, k_pattern)) {
        return ArmError{400, "InvalidResourceGroup",
                        "The provided resource group name '" + name +
                            "' has these invalid characters: the name must be 1-90 characters of letters, digits, "
                            "'-', '_', '.', '(' or ')', and must not end with a period."};
    }
    return std::nullopt;
}

Response with_etag(Response res, const Record& r) {
    res.set_header("ETag", r.etag);
    return res;
}

Response put_rg(Context& ctx) {
    std::string name = ctx.param("resourceGroupName");
    if (auto err = check_rg_name(name)) {
        return err->response();
    }
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    if (!body.contains("location") || !body["location"].is_string()) {
        return ArmError{400, "LocationRequired", "The location property is required for this definition."}.response();
    }
    for (const auto& v : ctx.svc.registry.rg_validate) {
        if (auto err = v(ctx, body)) {
            return err->response();
        }
    }
    auto existing = ctx.svc.store->get(rg_id(ctx));
    if (auto err = check_preconditions(ctx, existing ? &*existing : nullptr, true)) {
        return err->response();
    }
    std::string location = body["location"].get<std::string>();
    if (existing) {
        const Json& props = existing->body["properties"];
        if (props.value("provisioningState", "") == "Deleting") {
            return ArmError{409, "ResourceGroupBeingDeleted",
                            "The resource group '" + name +
                                "' is in deprovisioning state and cannot perform this operation."}
                .response();
        }
        std::string was = existing->body["location"].get<std::string>();
        auto canon = [](std::string s) {
            std::erase(s, ' ');
            return to_lower(s);
        };
        if (canon(was) != canon(location)) {
            return ArmError{409, "InvalidResourceGroupLocation",
                            "Invalid resource group location '" + location +
                                "'. The Resource group already exists in location '" + was + "'."}
                .response();
        }
    }
    Record rec;
    rec.id = rg_id(ctx);
    rec.type = to_lower(k_rg_type);
    rec.parent = to_lower("/subscriptions/" + ctx.param("subscriptionId"));
    rec.subscription = to_lower(ctx.param("subscriptionId"));
    rec.resource_group = to_lower(name);
    rec.created_ms = existing ? existing->created_ms : ctx.svc.now_ms();
    Json out = {{"id", rec.id}, {"name", name}, {"type", k_rg_type}, {"location", location}};
    if (body.contains("tags") && body["tags"].is_object()) {
        out["tags"] = body["tags"];
    }
    if (body.contains("managedBy") && body["managedBy"].is_string()) {
        out["managedBy"] = body["managedBy"];
    }
    out["properties"] = {{"provisioningState", "Succeeded"}};
    for (const auto& n : ctx.svc.registry.rg_normalise) {
        n(ctx, out);
    }
    rec.body = out;
    rec.etag = new_etag(ctx.svc);
    ctx.svc.store->put(rec);
    return with_etag(Response::json(existing ? 200 : 201, rec.body), rec);
}

Response get_rg(Context& ctx) {
    auto rec = ctx.svc.store->get(rg_id(ctx));
    if (!rec) {
        return resource_group_not_found(ctx.param("resourceGroupName")).response();
    }
    return with_etag(Response::json(200, rec->body), *rec);
}

Response head_rg(Context& ctx) { return Response::empty(ctx.svc.store->get(rg_id(ctx)) ? 204 : 404); }

Response patch_rg(Context& ctx) {
    auto rec = ctx.svc.store->get(rg_id(ctx));
    if (!rec) {
        return resource_group_not_found(ctx.param("resourceGroupName")).response();
    }
    if (auto err = check_preconditions(ctx, &*rec, false)) {
        return err->response();
    }
    Json patch;
    if (auto err = parse_body(ctx.req, patch)) {
        return err->response();
    }
    if (patch.contains("tags")) {
        rec->body["tags"] = patch["tags"];
        if (patch["tags"].is_null()) {
            rec->body.erase("tags");
        }
    }
    if (patch.contains("managedBy")) {
        rec->body["managedBy"] = patch["managedBy"];
    }
    if (patch.contains("name") && patch["name"].is_string() &&
        !iequals(patch["name"].get<std::string>(), ctx.param("resourceGroupName"))) {
        return ArmError{400, "InvalidRequestContent", "The name of a resource group cannot be changed."}.response();
    }
    rec->etag = new_etag(ctx.svc);
    ctx.svc.store->put(*rec);
    return with_etag(Response::json(200, rec->body), *rec);
}

Response delete_rg(Context& ctx) {
    auto rec = ctx.svc.store->get(rg_id(ctx));
    if (!rec) {
        return resource_group_not_found(ctx.param("resourceGroupName")).response();
    }
    if (auto err = check_preconditions(ctx, &*rec, false)) {
        return err->response();
    }
    rec->body["properties"]["provisioningState"] = "Deleting";
    ctx.svc.store->put(*rec);
    AsyncStart start{"delete", rec->id, k_rg_type, k_rg_type + "#delete", "", "", ""};
    return accept_async(ctx, start);
}

Response list_rgs(Context& ctx) {
    RecordQuery q;
    q.type = to_lower(k_rg_type);
    q.parent = to_lower("/subscriptions/" + ctx.param("subscriptionId"));
    return list_paged(
        ctx, [&](std::size_t offset, std::size_t count) { return ctx.svc.store->list(q, offset, count); },
        [](const Record& r) { return r.body.dump(); });
}

}  // namespace

void install_resource_groups(Registry& r) {
    auto subs = ApiPolicy::arm_own(arm_subscription_api_versions());
    auto own = ApiPolicy::arm_own(arm_resource_api_versions());
    r.add_route({"GET", "/subscriptions", list_subscriptions, Auth::arm, subs});
    r.add_route({"GET", "/subscriptions/{subscriptionId}", get_subscription, Auth::arm, subs});
    const std::string rg = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
    r.add_route({"PUT", rg, put_rg, Auth::arm, own});
    r.add_route({"GET", rg, get_rg, Auth::arm, own});
    r.add_route({"HEAD", rg, head_rg, Auth::arm, own});
    r.add_route({"PATCH", rg, patch_rg, Auth::arm, own});
    r.add_route({"DELETE", rg, delete_rg, Auth::arm, own});
    r.add_route({"GET", "/subscriptions/{subscriptionId}/resourceGroups", list_rgs, Auth::arm, own});
}

}  // namespace emulator
