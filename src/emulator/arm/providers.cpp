// Provider metadata, the generic resource listing (/resources?$filter=), the cloud metadata
// document az uses, and the 404s for unknown resource types.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "platform/modules.hpp"

namespace emulator {

namespace {

std::vector<std::string> location_display_names(const Registry& r) {
    std::vector<std::string> out;
    for (const auto& [name, display] : r.locations) {
        out.push_back(display);
    }
    return out;
}

Json provider_doc(const Context& ctx, const std::string& ns) {
    Json types = Json::array();
    std::string canonical = ns;
    for (const auto& t : ctx.svc.registry.types()) {
        if (!iequals(t->provider_namespace(), ns)) {
            continue;
        }
        canonical = t->provider_namespace();
        Json entry = {{"resourceType", t->type.substr(t->type.find('/') + 1)},
                      {"locations", location_display_names(ctx.svc.registry)},
                      {"apiVersions", t->api_versions},
                      {"capabilities", "None"}};
        if (!t->api_versions.empty()) {
            entry["defaultApiVersion"] = t->api_versions.front();
        }
        types.push_back(entry);
    }
    return {{"id", "/subscriptions/" + ctx.param("subscriptionId") + "/providers/" + canonical},
            {"namespace", canonical},
            {"registrationState", "Registered"},
            {"registrationPolicy", "RegistrationRequired"},
            {"resourceTypes", types}};
}

bool known_namespace(const Registry& r, const std::string& ns) {
    auto all = r.namespaces();
    return std::any_of(all.begin(), all.end(), [&](const std::string& n) { return iequals(n, ns); });
}

Response get_provider(Context& ctx) {
    std::string ns = ctx.param("namespace");
    if (!known_namespace(ctx.svc.registry, ns)) {
        return ArmError{404, "InvalidResourceNamespace", "The resource namespace '" + ns + "' is invalid."}.response();
    }
    return Response::json(200, provider_doc(ctx, ns));
}

Response list_providers(Context& ctx) {
    Json value = Json::array();
    for (const auto& ns : ctx.svc.registry.namespaces()) {
        value.push_back(provider_doc(ctx, ns));
    }
    return Response::json(200, Json{{"value", value}});
}

/// One `field eq 'value'` clause of a $filter.
struct Clause {
    std::string field;
    std::string value;
};

std::optional<std::vector<Clause>> parse_filter(const std::string& filter) {
    std::vector<Clause> out;
    std::string rest = filter;
    while (!rest.empty()) {
        std::string lower = to_lower(rest);
        std::size_t and_pos = lower.find(" and ");
        std::string part = rest.substr(0, and_pos);
        rest = and_pos == std::string::npos ? "" : rest.substr(and_pos + 5);
        std::size_t eq = to_lower(part).find(" eq ");
        std::size_t q1 = part.find('\'');
        std::size_t q2 = part.rfind('\'');
        if (eq == std::string::npos || q1 == std::string::npos || q2 <= q1) {
            return std::nullopt;
        }
        std::string field = part.substr(0, eq);
        field.erase(0, field.find_first_not_of(' '));
        field.erase(field.find_last_not_of(' ') + 1);
        out.push_back({to_lower(field), part.substr(q1 + 1, q2 - q1 - 1)});
    }
    return out;
}

bool matches(const Record& r, const std::vector<Clause>& clauses) {
    std::optional<std::string> tag_name;
    for (const auto& c : clauses) {
        const Json& b = r.body;
        if (c.field == "resourcegroup" && !iequals(r.resource_group, c.value)) {
            return false;
        }
        if (c.field == "resourcetype" && !iequals(b.value("type", ""), c.value)) {
            return false;
        }
        if (c.field == "name" && !iequals(b.value("name", ""), c.value)) {
            return false;
        }
        if (c.field == "location" && !iequals(b.value("location", ""), c.value)) {
            return false;
        }
        if (c.field == "tagname") {
            tag_name = c.value;
            bool has = b.contains("tags") && b["tags"].is_object() &&
                       std::any_of(b["tags"].items().begin(), b["tags"].items().end(),
                                   [&](const auto& kv) { return iequals(kv.key(), c.value); });
            if (!has) {
                return false;
            }
        }
        if (c.field == "tagvalue") {
            bool ok = false;
            if (b.contains("tags") && b["tags"].is_object()) {
                for (const auto& kv : b["tags"].items()) {
                    if ((!tag_name || iequals(kv.key(), *tag_name)) && kv.value().is_string() &&
                        kv.value().get<std::string>() == c.value) {
                        ok = true;
                    }
                }
            }
            if (!ok) {
                return false;
            }
        }
    }
    return true;
}

Json generic_resource(const Context& ctx, const Record& r, const std::string& expand) {
    Json full = render(ctx, r);
    Json out = {{"id", full["id"]}, {"name", full["name"]}, {"type", full["type"]}};
    for (const char* k : {"location", "tags", "kind", "sku", "identity", "managedBy", "plan"}) {
        if (full.contains(k) && !full[k].is_null()) {
            out[k] = full[k];
        }
    }
    std::string e = to_lower(expand);
    if (e.find("createdtime") != std::string::npos) {
        out["createdTime"] = iso_time(r.created_ms);
    }
    if (e.find("changedtime") != std::string::npos && full.contains("systemData")) {
        out["changedTime"] = full["systemData"].value("lastModifiedAt", iso_time(r.created_ms));
    }
    if (e.find("provisioningstate") != std::string::npos && full.contains("properties")) {
        out["provisioningState"] = full["properties"].value("provisioningState", "Succeeded");
    }
    return out;
}

Response list_resources(Context& ctx) {
    std::vector<Clause> clauses;
    if (auto f = ctx.req.param("$filter")) {
        auto parsed = parse_filter(*f);
        if (!parsed) {
            return ArmError{400, "InvalidFilterInQueryString",
                            "Invalid $filter '" + *f + "' specified in the query string; expected clauses like "
                                                      "\"resourceGroup eq 'rg'\" joined by 'and'."}
                .response();
        }
        clauses = *parsed;
    }
    RecordQuery q;
    q.subscription = to_lower(ctx.param("subscriptionId"));
    std::string rg = ctx.param("resourceGroupName");
    if (!rg.empty()) {
        if (!ctx.svc.store->get(resource_group_id(ctx.param("subscriptionId"), rg))) {
            return resource_group_not_found(rg).response();
        }
        q.resource_group = to_lower(rg);
    }
    std::vector<Record> all;
    for (auto& r : ctx.svc.store->list(q)) {
        bool top_level = std::count(r.type.begin(), r.type.end(), '/') == 1 && !r.resource_group.empty() &&
                         r.type != "microsoft.resources/resourcegroups";
        if (top_level && matches(r, clauses)) {
            all.push_back(std::move(r));
        }
    }
    const std::string expand = ctx.req.param("$expand").value_or("");
    return list_paged_all(ctx, all, [&](const Record& r) { return generic_resource(ctx, r, expand).dump(); });
}

Response metadata_endpoints(Context& ctx) {
    const std::string& b = ctx.svc.base_url;
    return Response::json(200, Json{{"galleryEndpoint", b + "/"},
                                    {"graphEndpoint", "https://graph.windows.net/"},
                                    {"portalEndpoint", b + "/"},
                                    {"authentication",
                                     {{"loginEndpoint", b + "/adfs"},
                                      {"audiences",
                                       {"https://management.core.windows.net/", "https://management.azure.com/"}}}}});
}

Response unknown_type(Context& ctx) {
    std::string ns = ctx.param("namespace");
    if (!known_namespace(ctx.svc.registry, ns)) {
        return ArmError{400, "MissingSubscriptionRegistration",
                        "The subscription is not registered to use namespace '" + ns + "'."}
            .response();
    }
    return ArmError{404, "InvalidResourceType",
                    "The resource type '" + ctx.param("type") + "' could not be found in the namespace '" + ns +
                        "' for api version '" + ctx.req.param("api-version").value_or("") + "'."}
        .response();
}

}  // namespace

void install_providers(Registry& r) {
    auto own = ApiPolicy::arm_own(arm_resource_api_versions());
    r.add_route({"GET", "/subscriptions/{subscriptionId}/providers", list_providers, Auth::arm, own});
    r.add_route({"GET", "/subscriptions/{subscriptionId}/providers/{namespace}", get_provider, Auth::arm, own});
    r.add_route({"POST", "/subscriptions/{subscriptionId}/providers/{namespace}/register", get_provider, Auth::arm, own});
    r.add_route({"GET", "/subscriptions/{subscriptionId}/resources", list_resources, Auth::arm, own});
    r.add_route({"GET", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/resources", list_resources,
                 Auth::arm, own});
    r.add_route({"GET", "/metadata/endpoints", metadata_endpoints, Auth::none, {}});
    const std::string any = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{namespace}/{type}/{name}";
    for (const char* m : {"GET", "PUT", "PATCH", "DELETE", "HEAD"}) {
        r.add_route({m, any, unknown_type, Auth::arm, ApiPolicy::none()});
    }
}

}  // namespace emulator
