// Microsoft.MachineLearningServices/workspaces: dependency checks, 202 + Location creates that
// stay invisible until done, server fields (workspaceId, discoveryUrl), listKeys.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "ml/ml_common.hpp"
#include "platform/modules.hpp"

namespace emulator {

const std::vector<std::string>& ml_api_versions() {
    static const std::vector<std::string> k_versions = {
        "2025-12-01", "2025-06-01", "2024-10-01", "2024-04-01", "2023-10-01", "2023-04-01",
        "2022-12-01-preview", "2022-10-01", "2022-10-01-preview", "2022-05-01", "2022-02-01-preview",
        "2021-07-01", "2021-04-01", "2021-01-01", "2020-09-01-preview", "2020-06-01", "2020-01-01"};
    return k_versions;
}

namespace {

struct Dependency {
    const char* field;
    const char* type;
    const char* what;
    bool required;
};

const Dependency k_dependencies[] = {
    {"storageAccount", "Microsoft.Storage/storageAccounts", "storage account", true},
    {"keyVault", "Microsoft.KeyVault/vaults", "key vault", true},
    {"applicationInsights", "Microsoft.Insights/components", "Application Insights component", true},
    {"containerRegistry", "Microsoft.ContainerRegistry/registries", "container registry", false},
};

/// The type part of an ARM id ("Microsoft.Storage/storageAccounts"), for a one-level id.
std::string type_of_id(const std::string& id) {
    std::string lower = to_lower(id);
    std::size_t p = lower.find("/providers/");
    if (p == std::string::npos) {
        return "";
    }
    std::string rest = id.substr(p + 11);
    std::size_t s1 = rest.find('/');
    std::size_t s2 = s1 == std::string::npos ? s1 : rest.find('/', s1 + 1);
    return s2 == std::string::npos ? "" : rest.substr(0, s2);
}

std::optional<ArmError> check_dependencies(WriteContext& w) {
    const Json& props = w.body.contains("properties") ? w.body["properties"] : Json::object();
    for (const auto& d : k_dependencies) {
        bool present = props.contains(d.field) && props[d.field].is_string() &&
                       !props[d.field].get<std::string>().empty();
        if (!present) {
            if (d.required && w.create) {
                return ArmError{400, "ValidationError",
                                std::string("Missing dependent resources in workspace json: properties.") + d.field +
                                    " must be the ARM id of an existing " + d.what + ".",
                                std::string("properties.") + d.field};
            }
            continue;
        }
        std::string id = props[d.field].get<std::string>();
        bool unchanged = w.existing != nullptr && w.existing->body["properties"].contains(d.field) &&
                         iequals(w.existing->body["properties"].value(d.field, ""), id);
        if (unchanged) {
            continue;
        }
        if (!iequals(type_of_id(id), d.type) || !w.ctx.svc.store->get(id)) {
            return ArmError{400, "ValidationError",
                            std::string("The ") + d.what + " '" + id + "' referenced by properties." + d.field +
                                " does not exist. Create it before the workspace.",
                            std::string("properties.") + d.field};
        }
    }
    return std::nullopt;
}

// discoveryUrl names the address the emulator serves at now: the CLI's embedded emulator keeps
// its state on disk but listens on a new port each run, while Azure's discoveryUrl stays valid.
void current_discovery_url(const Context& ctx, const Record& record, Json& out) {
    (void)record;
    if (out.contains("properties") && out["properties"].is_object() && out["properties"].contains("discoveryUrl")) {
        out["properties"]["discoveryUrl"] = ctx.base_url() + "/discovery";
    }
}

void workspace_fields(WriteContext& w) {
    Json& p = w.body["properties"];
    const Json empty = Json::object();
    const Json& old = w.existing != nullptr ? w.existing->body["properties"] : empty;
    p["workspaceId"] = old.value("workspaceId", w.ctx.svc.new_uuid());
    p["creationTime"] = old.value("creationTime", w.ctx.svc.now_iso());
    p["discoveryUrl"] = w.ctx.base_url() + "/discovery";
    p["tenantId"] = w.ctx.svc.credentials.tenant_id;
    p["mlFlowTrackingUri"] = "azureml://" + to_lower(w.body.value("location", "")) + ".api.azureml.ms/mlflow/v1.0" +
                             w.id;
    if (!p.contains("friendlyName")) {
        p["friendlyName"] = w.body.value("name", "");
    }
    Json& identity = w.body["identity"];
    if (identity.is_object() && identity.value("type", "").find("SystemAssigned") != std::string::npos) {
        const Json& old_identity = w.existing != nullptr ? w.existing->body.value("identity", empty) : empty;
        identity["principalId"] = old_identity.value("principalId", w.ctx.svc.new_uuid());
        identity["tenantId"] = w.ctx.svc.credentials.tenant_id;
    } else if (identity.is_null()) {
        w.body.erase("identity");
    }
}

std::string secret_of(Services& svc, const Json& props, const char* field, const std::function<std::string(const Record&)>& pick) {
    if (!props.contains(field) || !props[field].is_string()) {
        return "";
    }
    auto rec = svc.store->get(props[field].get<std::string>());
    return rec ? pick(*rec) : "";
}

Response list_keys(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    const Json& p = rec->body["properties"];
    std::string storage_key = secret_of(ctx.svc, p, "storageAccount", [](const Record& r) {
        const Json& keys = r.secrets.value("keys", Json::array());
        return keys.empty() ? std::string() : keys[0].value("value", "");
    });
    std::string insights_key = secret_of(ctx.svc, p, "applicationInsights", [](const Record& r) {
        return r.body["properties"].value("InstrumentationKey", "");
    });
    Json out = {{"userStorageKey", storage_key},
                {"userStorageResourceId", p.value("storageAccount", "")},
                {"appInsightsInstrumentationKey", insights_key},
                {"notebookAccessKeys", {{"primaryAccessKey", rec->secrets.value("notebookPrimary", "")},
                                        {"secondaryAccessKey", rec->secrets.value("notebookSecondary", "")}}}};
    if (p.contains("containerRegistry") && p["containerRegistry"].is_string()) {
        auto acr = ctx.svc.store->get(p["containerRegistry"].get<std::string>());
        if (acr) {
            out["containerRegistryCredentials"] = {{"location", acr->body.value("location", "")},
                                                   {"username", acr->body.value("name", "")},
                                                   {"passwords", acr->secrets.value("passwords", Json::array())}};
        }
    }
    return Response::json(200, out);
}

void notebook_keys(WriteContext& w) {
    if (!w.secrets.contains("notebookPrimary")) {
        w.secrets["notebookPrimary"] = crypto::random_secret(40);
        w.secrets["notebookSecondary"] = crypto::random_secret(40);
    }
}

Response resync_keys(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    return rec ? Response::empty(200) : nf;
}

}  // namespace

void install_workspaces(Registry& r) {
    TypeBehaviour ws;
    ws.type = k_workspace_type;
    ws.api_versions = ml_api_versions();
    ws.name_pattern = "^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$";
    ws.create_mode = AsyncMode::location;
    ws.delete_mode = AsyncMode::location;
    ws.operation_prefix = "workspaceOperations";
    ws.create_only = {"/properties/storageAccount", "/properties/keyVault", "/properties/hbiWorkspace", "/kind"};
    ws.validate.push_back(check_dependencies);
    ws.server_fields.push_back(workspace_fields);
    ws.on_read.push_back(current_discovery_url);
    ws.server_fields.push_back(notebook_keys);
    r.add_type(std::move(ws));
    r.add_action(k_workspace_type, "listKeys", list_keys);
    r.add_action(k_workspace_type, "resyncKeys", resync_keys);
}

}  // namespace emulator
