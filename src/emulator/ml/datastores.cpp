// Workspace datastores (mfe.json 2025-12-01 Datastores_*): synchronous PUT 200/201 of an
// AzureBlob datastore, credentials.secrets accepted on write and never returned (x-ms-secret;
// POST listSecrets answers them), create-only account/container/endpoint/protocol, and the
// workspace's default datastore "workspaceblobstore" created with the workspace, pointing at a
// blob container of the workspace's storage account (as Azure ML provisions it).
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "ml/ml_common.hpp"
#include "platform/modules.hpp"
#include "storage/blob.hpp"

namespace emulator {

namespace {

const std::string k_datastore_type = k_workspace_type + "/datastores";
const std::string k_default_datastore = "workspaceblobstore";

std::optional<ArmError> check_datastore(WriteContext& w) {
    const Json& p = w.body.contains("properties") ? w.body["properties"] : Json::object();
    if (!p.is_object() || !p.contains("datastoreType") || !p.contains("credentials")) {
        return ArmError{400, "UserError", "properties.datastoreType and properties.credentials are required.",
                        "properties"};
    }
    if (!iequals(p.value("datastoreType", ""), "AzureBlob")) {
        return ArmError{400, "UserError",
                        "This emulator serves datastoreType AzureBlob only, not '" + p.value("datastoreType", "") + "'.",
                        "properties.datastoreType"};
    }
    const Json& credentials = p["credentials"];
    const std::string type = credentials.is_object() ? credentials.value("credentialsType", "") : "";
    const bool needs_secrets = iequals(type, "AccountKey") || iequals(type, "Sas");
    if (!iequals(type, "None") && !needs_secrets) {
        return ArmError{400, "UserError", "Unknown credentialsType '" + type + "'.",
                        "properties.credentials.credentialsType"};
    }
    if (needs_secrets && w.create && !credentials.contains("secrets")) {
        return ArmError{400, "UserError", "credentials.secrets is required for credentialsType " + type + ".",
                        "properties.credentials.secrets"};
    }
    return std::nullopt;
}

// A datastore's secrets: the ones written last (write-only, moved to the record's secrets).
Response list_secrets(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    const Json::json_pointer at("/writeOnly/properties/credentials/secrets");
    if (!rec->secrets.contains(at)) {
        return ArmError{400, "UserError", "The datastore has no secrets (credentialsType None)."}.response();
    }
    return Response::json(200, rec->secrets[at]);
}

std::string last_segment(const std::string& id) { return id.substr(id.rfind('/') + 1); }

// When a workspace's create completes: its default datastore and the blob container behind it.
void on_workspace_done(Services& svc, const Json& op, bool ok) {
    if (!ok || op.value("kind", "") != "create") {
        return;
    }
    const std::string ws_id = op.value("resourceId", "");
    auto ws = svc.store->get(ws_id, true);
    if (!ws || !ws->body.contains("properties")) {
        return;
    }
    const Json& wp = ws->body["properties"];
    const std::string storage_id = wp.value("storageAccount", "");
    const std::string id = ws->body.value("id", ws_id) + "/datastores/" + k_default_datastore;
    if (storage_id.empty() || svc.store->get(id, true)) {
        return;
    }
    const std::string account = last_segment(storage_id);
    const std::string container = "azureml-blobstore-" + wp.value("workspaceId", "");
    ensure_blob_container(svc, account, container);
    Record rec;
    rec.id = id;
    rec.type = to_lower(k_datastore_type);
    rec.parent = to_lower(ws_id);
    rec.subscription = ws->subscription;
    rec.resource_group = ws->resource_group;
    rec.created_ms = svc.now_ms();
    rec.etag = new_etag(svc);
    const std::string now = svc.now_iso();
    rec.body = {{"id", id},
                {"name", k_default_datastore},
                {"type", k_datastore_type},
                {"properties",
                 {{"description", nullptr},
                  {"tags", Json::object()},
                  {"properties", Json::object()},
                  {"isDefault", true},
                  {"credentials", {{"credentialsType", "AccountKey"}}},
                  {"datastoreType", "AzureBlob"},
                  {"accountName", account},
                  {"containerName", container},
                  {"endpoint", "core.windows.net"},
                  {"protocol", "https"},
                  {"serviceDataAccessAuthIdentity", "WorkspaceSystemAssignedIdentity"},
                  {"subscriptionId", ws->subscription},
                  {"resourceGroup", ws->resource_group}}},
                {"systemData",
                 {{"createdAt", now}, {"createdBy", "AzureML"}, {"createdByType", "Application"},
                  {"lastModifiedAt", now}, {"lastModifiedBy", "AzureML"}, {"lastModifiedByType", "Application"}}}};
    if (auto storage = svc.store->get(storage_id)) {
        const Json& keys = storage->secrets.value("keys", Json::array());
        if (!keys.empty()) {
            rec.secrets["writeOnly"]["properties"]["credentials"]["secrets"] = {
                {"secretsType", "AccountKey"}, {"key", keys[0].value("value", "")}};
        }
    }
    svc.store->put(rec);
}

}  // namespace

void install_datastores(Registry& r) {
    TypeBehaviour t;
    t.type = k_datastore_type;
    t.api_versions = ml_api_versions();
    t.tracked = false;
    t.name_pattern = "^[a-zA-Z0-9][a-zA-Z0-9_]{0,254}$";
    t.patch_allowed = false;
    t.list_by_subscription = false;
    t.create_only = {"/properties/datastoreType", "/properties/accountName", "/properties/containerName",
                     "/properties/endpoint", "/properties/protocol"};
    t.validate.push_back(check_datastore);
    r.add_type(std::move(t));
    r.add_action(k_datastore_type, "listSecrets", list_secrets);
    r.add_operation_hook("workspace-done", on_workspace_done);
    if (TypeBehaviour* ws = r.find_type(k_workspace_type)) {
        ws->completion_hook = "workspace-done";
    }
}

}  // namespace emulator
