// Soft-delete as Azure does it (docs/emulator-realism.md "Soft-delete"):
// - Key Vault (keyvault.json 2025-05-01; learn.microsoft.com/azure/key-vault/general/soft-delete-overview):
//   a DELETE keeps the vault as a deleted vault, listed at
//   GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults, read at
//   .../locations/{loc}/deletedVaults/{name}, purged by POST .../purge (202 + Location). A PUT of
//   that name fails with 409 ConflictError unless properties.createMode is "recover", which
//   restores the vault as it was.
// - Workspaces (workspaceRP.json 2025-12-01 Workspaces_Delete forceToPurge;
//   learn.microsoft.com/azure/machine-learning/concept-soft-delete): a DELETE without
//   forceToPurge=true keeps the workspace soft-deleted (not listed, GET 404); its name cannot be
//   reused (a PUT answers 409) until a DELETE with forceToPurge=true purges it.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "arm/operations.hpp"
#include "ml/ml_common.hpp"
#include "platform/modules.hpp"

namespace emulator {

namespace {

constexpr const char* k_deleted_vault_type = "microsoft.keyvault/deletedvaults";
constexpr const char* k_purge_hook = "keyvault.purgeDeletedVault";
// Not an ARM type: the record of a soft-deleted workspace, hidden from every list.
constexpr const char* k_deleted_workspace_type = "microsoft.machinelearningservices/softdeleted/workspaces";
constexpr std::int64_t k_day_ms = 24LL * 60 * 60 * 1000;
const std::string k_soft_delete_link = "https://go.microsoft.com/fwlink/?linkid=2149745";

std::string canonical(const std::string& location) {
    std::string out;
    for (char c : location) {
        if (c != ' ') {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

std::string deleted_vault_id(const std::string& sub, const std::string& location, const std::string& name) {
    return "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/locations/" + canonical(location) +
           "/deletedVaults/" + name;
}

// The subscription's deleted vault of this name (vault names are unique per subscription here).
std::optional<Record> find_deleted_vault(Services& svc, const std::string& sub, const std::string& name) {
    RecordQuery q;
    q.type = k_deleted_vault_type;
    q.subscription = to_lower(sub);
    for (auto& r : svc.store->list(q)) {
        if (iequals(r.body.value("name", ""), name)) {
            return std::move(r);
        }
    }
    return std::nullopt;
}

// DELETE of a vault: it becomes a deleted vault (retention: softDeleteRetentionInDays, 90 by default).
std::optional<ArmError> soft_delete_vault(Context& ctx, const Record* existing) {
    if (existing == nullptr) {
        return std::nullopt;
    }
    const Json& body = existing->body;
    const Json props = body.value("properties", Json::object());
    const std::string sub = ctx.param("subscriptionId");
    const std::string name = body.value("name", "");
    const std::string location = body.value("location", "");
    const std::int64_t now = ctx.svc.now_ms();
    const Json& days = props.contains("softDeleteRetentionInDays") ? props["softDeleteRetentionInDays"] : Json(90);
    Record d;
    d.id = deleted_vault_id(sub, location, name);
    d.type = k_deleted_vault_type;
    d.parent = to_lower("/subscriptions/" + sub);
    d.subscription = to_lower(sub);
    d.created_ms = now;
    d.body = {{"id", d.id},
              {"name", name},
              {"type", "Microsoft.KeyVault/deletedVaults"},
              {"properties",
               {{"vaultId", existing->id},
                {"location", canonical(location)},
                {"tags", body.value("tags", Json::object())},
                {"deletionDate", iso_time(now)},
                {"scheduledPurgeDate", iso_time(now + (days.is_number_integer() ? days.get<std::int64_t>() : 90) * k_day_ms)},
                {"purgeProtectionEnabled", props.value("enablePurgeProtection", false) == true}}}};
    d.secrets = {{"vault", body}, {"secrets", existing->secrets}};
    ctx.svc.store->put(d);
    return std::nullopt;
}

// PUT of a vault: a soft-deleted name is refused unless createMode is recover, which restores it.
// createMode is a request-only field: never stored nor returned.
std::optional<ArmError> vault_create_mode(WriteContext& w) {
    Json* props = w.body.contains("properties") && w.body["properties"].is_object() ? &w.body["properties"] : nullptr;
    std::string mode = "default";
    if (props != nullptr && props->contains("createMode")) {
        mode = (*props)["createMode"].is_string() ? (*props)["createMode"].get<std::string>() : "";
        props->erase("createMode");
    }
    if (!w.create || w.patch) {
        return std::nullopt;
    }
    const std::string sub = w.ctx.param("subscriptionId");
    const std::string name = w.body.value("name", "");
    auto deleted = find_deleted_vault(w.ctx.svc, sub, name);
    if (mode == "recover") {
        if (!deleted) {
            return ArmError{404, "SoftDeletedVaultDoesNotExist",
                            "A soft deleted vault with the given name '" + name +
                                "' does not exist. Ensure that the name for the vault that is being attempted to "
                                "recover is in a recoverable state. For more information on soft delete please follow "
                                "this link " + k_soft_delete_link};
        }
        if (!iequals(deleted->body["properties"].value("vaultId", ""), w.id)) {
            return ArmError{409, "ConflictError",
                            "The soft deleted vault '" + name + "' belongs to '" +
                                deleted->body["properties"].value("vaultId", "") + "'; it can only be recovered there."};
        }
        Json restored = deleted->secrets.value("vault", Json::object());
        for (const char* fixed : {"id", "name", "type"}) {
            restored[fixed] = w.body[fixed];
        }
        w.body = std::move(restored);
        w.secrets = deleted->secrets.value("secrets", Json::object());
        w.ctx.svc.store->remove_tree(deleted->id);
        return std::nullopt;
    }
    if (deleted) {
        return ArmError{409, "ConflictError",
                        "A vault with the same name already exists in deleted state. You need to either recover or "
                        "purge existing key vault. Follow this link " + k_soft_delete_link +
                            " for more information on soft delete."};
    }
    return std::nullopt;
}

ApiPolicy deleted_vault_api() {
    return ApiPolicy::provider("Microsoft.KeyVault/deletedVaults",
                               {"2025-05-01", "2023-07-01", "2023-02-01", "2022-07-01", "2021-10-01", "2019-09-01"});
}

Response list_deleted_vaults(Context& ctx) {
    RecordQuery q;
    q.type = k_deleted_vault_type;
    q.subscription = to_lower(ctx.param("subscriptionId"));
    return list_paged(
        ctx, [&](std::size_t offset, std::size_t count) { return ctx.svc.store->list_stored(q, offset, count); },
        [](StoredRecord& r) { return std::move(r.body); });
}

std::optional<Record> load_deleted_vault(Context& ctx, Response& not_found) {
    const std::string name = ctx.param("vaultName");
    auto rec = ctx.svc.store->get(deleted_vault_id(ctx.param("subscriptionId"), ctx.param("location"), name));
    if (!rec) {
        not_found = ArmError{404, "ResourceNotFound",
                             "The Resource 'Microsoft.KeyVault/deletedVaults/" + name + "' was not found in location '" +
                                 ctx.param("location") + "'."}
                        .response();
    }
    return rec;
}

Response get_deleted_vault(Context& ctx) {
    Response res;
    auto rec = load_deleted_vault(ctx, res);
    return rec ? Response::json(200, rec->body) : res;
}

// keyvault.json VaultsPurgeDeleted: x-ms-long-running-operation, 202 then done.
Response purge_deleted_vault(Context& ctx) {
    Response res;
    auto rec = load_deleted_vault(ctx, res);
    if (!rec) {
        return res;
    }
    if (rec->body["properties"].value("purgeProtectionEnabled", false)) {
        return ArmError{409, "ConflictError",
                        "The vault '" + rec->body.value("name", "") +
                            "' has purge protection enabled; it cannot be purged before its scheduled purge date " +
                            rec->body["properties"].value("scheduledPurgeDate", "") + "."}
            .response();
    }
    AsyncStart start{"action", rec->id, "Microsoft.KeyVault/deletedVaults", "", k_purge_hook, canonical(ctx.param("location")), ""};
    return accept_async(ctx, start);
}

void purged(Services& svc, const Json& operation, bool succeeded) {
    if (succeeded) {
        svc.store->remove_tree(operation.value("resourceId", ""));
    }
}

std::string deleted_workspace_id(const std::string& workspace_id) { return workspace_id + "#softDeleted"; }

// DELETE of a workspace: soft-deleted unless forceToPurge=true; with it, a soft-deleted one is purged.
std::optional<ArmError> soft_delete_workspace(Context& ctx, const Record* existing) {
    const Target t = target_of(ctx);
    const bool purge = iequals(ctx.req.param("forceToPurge").value_or("false"), "true");
    if (purge) {
        ctx.svc.store->remove_tree(deleted_workspace_id(t.id));
        return std::nullopt;
    }
    if (existing == nullptr) {
        return std::nullopt;
    }
    Record d = *existing;
    d.id = deleted_workspace_id(existing->id);
    d.type = k_deleted_workspace_type;
    d.visible = false;
    ctx.svc.store->put(d);
    return std::nullopt;
}

std::optional<ArmError> workspace_name_free(WriteContext& w) {
    if (!w.create || w.patch || !w.ctx.svc.store->get(deleted_workspace_id(w.id), true)) {
        return std::nullopt;
    }
    return ArmError{409, "Conflict",
                    "The workspace '" + w.body.value("name", "") +
                        "' is soft-deleted: its name cannot be reused until the retention period passes or the "
                        "workspace is permanently deleted (DELETE with forceToPurge=true)."};
}

}  // namespace

void install_soft_delete(Registry& r) {
    if (TypeBehaviour* vault = r.find_type("Microsoft.KeyVault/vaults")) {
        vault->on_delete = soft_delete_vault;
        vault->validate.push_back(vault_create_mode);
    }
    if (TypeBehaviour* ws = r.find_type(k_workspace_type)) {
        ws->on_delete = soft_delete_workspace;
        ws->validate.push_back(workspace_name_free);
    }
    const std::string base = "/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault";
    r.add_route({"GET", base + "/deletedVaults", list_deleted_vaults, Auth::arm, deleted_vault_api()});
    r.add_route({"GET", base + "/locations/{location}/deletedVaults/{vaultName}", get_deleted_vault, Auth::arm,
                 deleted_vault_api()});
    r.add_route({"POST", base + "/locations/{location}/deletedVaults/{vaultName}/purge", purge_deleted_vault,
                 Auth::arm, deleted_vault_api()});
    r.add_operation_hook(k_purge_hook, purged);
}

}  // namespace emulator
