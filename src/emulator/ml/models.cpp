// Versioned assets: model, environment and code containers and versions (mfe.json
// ModelContainers_* / ModelVersions_*, EnvironmentContainers_* / EnvironmentVersions_*,
// CodeContainers_* / CodeVersions_*):
// synchronous PUT 200/201, case-sensitive names, listViewType, a version PUT creating its
// container as azure-ai-ml expects, latestVersion/nextVersion, and the Publish LRO.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "ml/ml_common.hpp"
#include "platform/modules.hpp"
#include "arm/operations.hpp"
#include "realism/realism.hpp"

#include <algorithm>
#include <iterator>

namespace emulator {

namespace {

/// One family of versioned assets: containers below the workspace, versions below them.
struct AssetFamily {
    std::string segment;  ///< "models"
    std::string what;     ///< "model", for messages
    /// What a version cannot change once created (mfe.json x-ms-mutability create+read).
    std::vector<std::string> create_only = {};
    std::string container_type() const { return k_workspace_type + "/" + segment; }
    std::string version_type() const { return container_type() + "/versions"; }
};

const AssetFamily k_models{"models", "model"};
const AssetFamily k_environments{"environments", "environment",
                                  {"/properties/image", "/properties/condaFile", "/properties/build",
                                   "/properties/inferenceConfig", "/properties/osType", "/properties/autoRebuild"}};
// CodeVersion (mfe.json): codeUri is create+read (az ml registers it once, with the files' URL).
const AssetFamily k_codes{"codes", "code", {"/properties/codeUri"}};
const std::string k_asset_name = "^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$";

// Asset names are case-sensitive (contract 1.5) while the store matches ids ignoring case:
// a request whose name differs in case from the stored one is answered as if it were absent.
bool same_case(const Record& record, const std::string& name) { return record.body.value("name", "") == name; }

std::optional<Record> exact_record(Context& ctx, const std::string& id, const std::string& name) {
    auto rec = ctx.svc.store->get(id);
    if (rec && !same_case(*rec, name)) {
        return std::nullopt;
    }
    return rec;
}

Response not_found(Context& ctx) {
    Target t = target_of(ctx);
    return resource_not_found(ctx.type->type, t.name, t.resource_group).response();
}

Handler exact_case(Handler inner) {
    return [inner](Context& ctx) {
        Target t = target_of(ctx);
        auto rec = ctx.svc.store->get(t.id);
        if (rec && !same_case(*rec, t.name)) {
            if (ctx.req.method == "PUT") {
                return ArmError{409, "Conflict",
                                "An asset named '" + rec->body.value("name", "") + "' already exists; asset names "
                                "differing only in case are not supported by this emulator."}
                    .response();
            }
            return ctx.req.method == "DELETE" ? Response::empty(204) : not_found(ctx);
        }
        return inner(ctx);
    };
}

// A version PUT on a missing container creates the container first (azure-ai-ml PUTs the
// version alone).
void ensure_container(Context& ctx, const AssetFamily& family, const Target& version) {
    const std::string container_id = version.parent_id;
    const std::string workspace_id = container_id.substr(0, container_id.rfind("/" + family.segment + "/"));
    if (ctx.svc.store->get(container_id, true) || !ctx.svc.store->get(workspace_id)) {
        return;
    }
    const std::string container_type = family.container_type();
    Record rec;
    rec.id = container_id;
    rec.type = to_lower(container_type);
    rec.parent = to_lower(workspace_id);
    rec.subscription = to_lower(version.subscription);
    rec.resource_group = to_lower(version.resource_group);
    rec.created_ms = ctx.svc.now_ms();
    rec.body = {{"id", container_id},
                {"name", ctx.names.size() > 1 ? ctx.names[1] : ""},
                {"type", container_type},
                {"properties", Json::object()}};
    realism::Context rc;
    rc.name = rec.body["name"];
    realism::on_put(container_type, rec.body, rc, nullptr, realism::Options{ctx.svc.options.realism});
    stamp_system_data(ctx, rec.body, true);
    rec.etag = new_etag(ctx.svc);
    ctx.svc.store->put(rec);
}

Handler put_version(AssetFamily family) {
    return [family](Context& ctx) {
        ensure_container(ctx, family, target_of(ctx));
        return generic_put(ctx);
    };
}

std::string list_view(const Context& ctx) { return ctx.req.param("listViewType").value_or("ActiveOnly"); }

bool in_view(const Json& body, const std::string& view) {
    const bool archived = body.contains("properties") && body["properties"].value("isArchived", false);
    if (iequals(view, "All")) {
        return true;
    }
    return iequals(view, "ArchivedOnly") ? archived : !archived;
}

// in_view() from a stored body's text when the text decides it: where every "isArchived"
// member is false (or there is none), properties.isArchived is not true.
bool stored_in_view(const StoredRecord& r, const std::string& view) {
    if (iequals(view, "All")) {
        return true;
    }
    const std::string key = "\"isArchived\":";
    for (auto at = r.body.find(key); at != std::string::npos; at = r.body.find(key, at + 1)) {
        if (r.body.compare(at + key.size(), 5, "false") != 0) {
            return in_view(Json::parse(r.body), view);
        }
    }
    return !iequals(view, "ArchivedOnly");
}

// Lists children of the item the route names, filtered by listViewType, paged by the
// emulator's page size ($top caps the total).
Response list_assets(Context& ctx, const AssetFamily& family) {
    Target t = target_of(ctx);
    if (ctx.names.size() > 1) {
        auto parent = exact_record(ctx, t.id, t.name);
        if (!parent) {
            return ArmError{404, "ResourceNotFound", "The " + family.what + " container '" + t.name + "' was not found."}
                .response();
        }
    } else if (!ctx.svc.store->exists(t.id)) {
        return ArmError{404, "ParentResourceNotFound",
                        "Can not perform requested operation on nested resource. Parent resource '" + t.name +
                            "' not found."}
            .response();
    }
    RecordQuery q;
    q.type = to_lower(ctx.names.size() > 1 ? family.version_type() : family.container_type());
    q.parent = to_lower(t.id);
    std::vector<StoredRecord> all;
    const std::string view = list_view(ctx);
    for (auto& r : ctx.svc.store->list_stored(q)) {
        if (stored_in_view(r, view)) {
            all.push_back(std::move(r));
        }
    }
    if (auto top = ctx.req.param("$top")) {
        all.resize(std::min<std::size_t>(all.size(), std::strtoul(top->c_str(), nullptr, 10)));
    }
    return list_paged_all(ctx, all, [&](StoredRecord& r) { return render_text(ctx, std::move(r)); });
}

// latestVersion / nextVersion of a container, from its versions (numeric ones compare as numbers).
void container_versions(const Context& ctx, const Record& record, Json& out) {
    RecordQuery q;
    q.type = record.type + "/versions";
    q.parent = record.key.empty() ? to_lower(record.id) : record.key;
    std::string latest;
    long long highest = -1;
    for (const auto& r : ctx.svc.store->list(q)) {
        const std::string v = r.body.value("name", "");
        latest = v;
        char* end = nullptr;
        const long long n = std::strtoll(v.c_str(), &end, 10);
        if (!v.empty() && *end == '\0') {
            highest = std::max(highest, n);
        }
    }
    Json& p = out["properties"];
    if (highest >= 0) {
        p["latestVersion"] = std::to_string(highest);
        p["nextVersion"] = std::to_string(highest + 1);
    } else {
        p["latestVersion"] = latest.empty() ? Json(nullptr) : Json(latest);
        p["nextVersion"] = latest.empty() ? Json("1") : Json(nullptr);
    }
}

Response publish(Context& ctx) {
    Target t = target_of(ctx);
    auto rec = exact_record(ctx, t.id, t.name);
    if (!rec) {
        return not_found(ctx);
    }
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    if (!body.contains("registryName") || !body["registryName"].is_string()) {
        return ArmError{400, "BadRequest", "registryName is required: the registry to publish the model to.",
                        "registryName"}
            .response();
    }
    const std::string version_type = ctx.type->type;
    AsyncStart start{"action", rec->id, version_type, version_type + "#action", "", "", "mfeOperations"};
    start.location = "global";
    return accept_async(ctx, start);
}

TypeBehaviour asset_type(const std::string& type, bool container) {
    TypeBehaviour t;
    t.type = type;
    t.api_versions = ml_api_versions();
    t.tracked = false;
    t.name_pattern = container ? k_asset_name : "^[a-zA-Z0-9][a-zA-Z0-9\\-_.]{0,254}$";
    t.patch_allowed = false;
    t.list_by_subscription = false;
    return t;
}

void add_exact_routes(Registry& r, const TypeBehaviour& t, Handler put, const AssetFamily& family) {
    const ApiPolicy api = ApiPolicy::provider(t.type, t.api_versions);
    const std::string item = Registry::item_pattern(t);
    r.add_route({"PUT", item, exact_case(std::move(put)), Auth::arm, api});
    r.add_route({"GET", item, exact_case(generic_get), Auth::arm, api});
    r.add_route({"DELETE", item, exact_case(generic_delete), Auth::arm, api});
    r.add_route({"GET", item.substr(0, item.rfind('/')),
                 [family](Context& ctx) { return list_assets(ctx, family); }, Auth::arm, api});
}

void install_family(Registry& r, const AssetFamily& family) {
    // Routes registered before add_type win over the generic ones at equal specificity.
    TypeBehaviour container = asset_type(family.container_type(), true);
    container.on_read.push_back(container_versions);
    add_exact_routes(r, container, generic_put, family);
    r.add_type(std::move(container));

    TypeBehaviour version = asset_type(family.version_type(), false);
    version.create_only = family.create_only;
    add_exact_routes(r, version, put_version(family), family);
    r.add_type(std::move(version));
    r.add_action(family.version_type(), "publish", publish);
}

}  // namespace

void install_models(Registry& r) {
    install_family(r, k_models);
    install_family(r, k_environments);
    install_family(r, k_codes);
}

}  // namespace emulator
