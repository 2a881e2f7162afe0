// modelmanagement/v1.0 models of the regional API. The 2020 how-to leaves the bodies open
// (contract 1.4); the emulator's choice is documented in docs/emulator.md: register with
// {name, url, mimeType?, description?, kvTags?, properties?, framework?}, versions count up
// per name from 1, ids are "name:version".
#include "arm/arm.hpp"
#include "ml/regional.hpp"
#include "platform/services.hpp"

#include <regex>

namespace emulator {

namespace {

const std::string k_model_type = "microsoft.machinelearningservices/workspaces/modelmanagement/models";

std::string models_root(const Context& ctx) { return regional_workspace_id(ctx) + "/modelmanagement/models"; }

std::vector<Record> all_models(Context& ctx) {
    RecordQuery q;
    q.type = k_model_type;
    q.parent = to_lower(regional_workspace_id(ctx));
    return ctx.svc.store->list(q);
}

Response list_models(Context& ctx) {
    Response error;
    if (!check_regional_workspace(ctx, error)) {
        return error;
    }
    const auto name = ctx.req.param("name");
    Json value = Json::array();
    for (const auto& r : all_models(ctx)) {
        if (!name || r.body.value("name", "") == *name) {
            value.push_back(r.body);
        }
    }
    return Response::json(200, Json{{"value", value}, {"nextLink", nullptr}});
}

Response register_model(Context& ctx) {
    Response error;
    if (!check_regional_workspace(ctx, error)) {
        return error;
    }
    Json body = Json::parse(ctx.req.body, nullptr, false);
    if (!body.is_object()) {
        return regional_error(400, "The request body must be a JSON object with name and url.");
    }
    const std::string name = body.value("name", "");
    static const std::regex k_name("^[a-zA-Z0-9][a-zA-Z0-9\\-_.]{0,254}$");
    if (!std::regex_match(name, k_name)) {
        return regional_error(400, "name must start with a letter or digit and hold letters, digits, '-', '_', '.'.");
    }
    if (!body.contains("url") || !body["url"].is_string() || body["url"].get<std::string>().empty()) {
        return regional_error(400, "url is required: where the model's files are (e.g. aml://artifacts/...).");
    }
    int version = 0;
    for (const auto& r : all_models(ctx)) {
        if (r.body.value("name", "") == name) {
            version = std::max(version, r.body.value("version", 0));
        }
    }
    ++version;
    const std::string id = name + ":" + std::to_string(version);
    const std::string now = ctx.svc.now_iso();
    Json model = {{"id", id},
                  {"name", name},
                  {"version", version},
                  {"url", body["url"]},
                  {"mimeType", body.value("mimeType", "application/json")},
                  {"description", body.value("description", Json())},
                  {"kvTags", body.value("kvTags", Json::object())},
                  {"properties", body.value("properties", Json::object())},
                  {"framework", body.value("framework", "Custom")},
                  {"frameworkVersion", body.value("frameworkVersion", Json())},
                  {"createdTime", now},
                  {"modifiedTime", now},
                  {"unpack", body.value("unpack", false)}};
    Record r;
    r.id = models_root(ctx) + "/" + id;
    r.type = k_model_type;
    r.parent = to_lower(regional_workspace_id(ctx));
    r.created_ms = ctx.svc.now_ms();
    r.body = model;
    ctx.svc.store->put(r);
    return Response::json(200, model);
}

/// The model named by the {modelId} path parameter, or the error to answer with.
std::optional<Record> find_model(Context& ctx, Response& error) {
    if (!check_regional_workspace(ctx, error)) {
        return std::nullopt;
    }
    auto rec = ctx.svc.store->get(models_root(ctx) + "/" + ctx.param("modelId"));
    if (!rec || rec->body.value("id", "") != ctx.param("modelId")) {
        error = regional_error(404, "Model '" + ctx.param("modelId") + "' not found.");
        return std::nullopt;
    }
    return rec;
}

Response get_model(Context& ctx) {
    Response error;
    const auto rec = find_model(ctx, error);
    if (!rec) {
        return error;
    }
    return Response::json(200, rec->body);
}

Response delete_model(Context& ctx) {
    Response error;
    const auto rec = find_model(ctx, error);
    if (!rec) {
        return error;
    }
    ctx.svc.store->remove_tree(rec->id);
    return Response::empty(200);
}

}  // namespace

std::string regional_workspace_id(const Context& ctx) {
    return resource_group_id(ctx.param("subscriptionId"), ctx.param("resourceGroupName")) +
           "/providers/Microsoft.MachineLearningServices/workspaces/" + ctx.param("workspaceName");
}

bool check_regional_workspace(Context& ctx, Response& error) {
    if (ctx.svc.store->get(regional_workspace_id(ctx))) {
        return true;
    }
    error = regional_error(404, "Workspace '" + ctx.param("workspaceName") + "' not found in resource group '" +
                                    ctx.param("resourceGroupName") + "'.");
    return false;
}

Response regional_error(int status, const std::string& message) {
    const char* code = status == 404 ? "NotFound" : (status == 401 ? "Unauthorized" : "UserError");
    return Response::json(status, Json{{"error", {{"code", code}, {"message", message}}}});
}

void install_regional_models(Registry& r) {
    const std::string base = "/modelmanagement/v1.0" + k_regional_workspace + "/models";
    r.add_route({"GET", base, list_models, Auth::arm, ApiPolicy::none()});
    r.add_route({"POST", base, register_model, Auth::arm, ApiPolicy::none()});
    r.add_route({"GET", base + "/{modelId}", get_model, Auth::arm, ApiPolicy::none()});
    r.add_route({"DELETE", base + "/{modelId}", delete_model, Auth::arm, ApiPolicy::none()});
}

}  // namespace emulator
