// Online endpoints and deployments (mfe.json OnlineEndpoints_* / OnlineDeployments_*):
// PUT 201 + Azure-AsyncOperation, PATCH and DELETE 202 + Location, x-ms-async-operation-timeout,
// traffic checks, keys (listKeys, regenerateKeys, token). Scoring lives in scoring_route.cpp.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "ml/ml_common.hpp"
#include "platform/modules.hpp"
#include "ml/online.hpp"
#include "arm/operations.hpp"

namespace emulator {

namespace {

const std::string k_asset_name = "^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$";
const std::string k_operation_timeout = "PT1H";

// The mfe LROs also tell the client how long to keep polling.
Handler with_timeout(Handler inner) {
    return [inner](Context& ctx) {
        Response res = inner(ctx);
        if (res.status == 201 || res.status == 202) {
            res.set_header("x-ms-async-operation-timeout", k_operation_timeout);
        }
        return res;
    };
}

// PATCH is an LRO here: store the merge, answer 202 + Location, finish as "Succeeded".
Response patch_async(Context& ctx) {
    Response res = generic_patch(ctx);
    if (res.status != 200) {
        return res;
    }
    auto rec = ctx.svc.store->get(target_of(ctx).id);
    if (!rec) {
        return res;
    }
    set_provisioning_state(rec->body, "Updating");
    ctx.svc.store->put(*rec);
    AsyncStart start{"update", rec->id, ctx.type->type, ctx.type->type + "#update", "", rec->body.value("location", "global"),
                     "mfeOperations"};
    return accept_async(ctx, start);
}

std::optional<ArmError> check_traffic(WriteContext& w) {
    const Json& props = w.body.value("properties", Json::object());
    for (const char* field : {"traffic", "mirrorTraffic"}) {
        if (!props.contains(field) || !props[field].is_object()) {
            continue;
        }
        long long total = 0;
        for (const auto& [deployment, weight] : props[field].items()) {
            if (!weight.is_number_integer() || weight.get<long long>() < 0) {
                return ArmError{400, "BadRequest", std::string(field) + " weights must be non-negative integers.",
                                std::string("properties.") + field};
            }
            total += weight.get<long long>();
            if (!w.ctx.svc.store->get(w.id + "/deployments/" + deployment)) {
                return ArmError{400, "BadRequest",
                                "Deployment '" + deployment + "' named in properties." + field +
                                    " does not exist under this endpoint.",
                                std::string("properties.") + field};
            }
        }
        if (std::string(field) == "traffic" && total != 0 && total != 100) {
            return ArmError{400, "BadRequest", "Traffic values must add up to 0 or 100.", "properties.traffic"};
        }
        // mfe.json OnlineEndpoint.mirrorTraffic: "Traffic values need to sum to utmost 50."
        if (std::string(field) == "mirrorTraffic" && total > 50) {
            return ArmError{400, "BadRequest", "Mirror traffic values must add up to at most 50.",
                            "properties.mirrorTraffic"};
        }
    }
    return std::nullopt;
}

std::optional<ArmError> check_deployment(WriteContext& w) {
    const Json& props = w.body.value("properties", Json::object());
    if (!props.contains("endpointComputeType") || !props["endpointComputeType"].is_string()) {
        return ArmError{400, "BadRequest",
                        "properties.endpointComputeType is required; expected Managed, Kubernetes or AzureMLCompute.",
                        "properties.endpointComputeType"};
    }
    return std::nullopt;
}

// A deployment that still takes traffic cannot be deleted (delete the endpoint, or move the
// traffic first).
std::optional<ArmError> refuse_deleting_live_deployment(Context& ctx, const Record* record) {
    if (record == nullptr) {
        return std::nullopt;
    }
    auto endpoint = ctx.svc.store->get(record->id.substr(0, record->id.rfind("/deployments/")));
    if (!endpoint) {
        return std::nullopt;
    }
    const Json traffic = endpoint->body.value("properties", Json::object()).value("traffic", Json::object());
    const std::string name = record->body.value("name", "");
    if (traffic.contains(name) && traffic[name].is_number() && traffic[name].get<double>() > 0) {
        return ArmError{400, "BadRequest",
                        "Deployment '" + name + "' has " + traffic[name].dump() +
                            "% of the endpoint's traffic; set it to 0 before deleting the deployment.",
                        "traffic"};
    }
    return std::nullopt;
}

// The scoring URIs name the address the emulator serves at now: the CLI's embedded emulator
// keeps its state on disk but listens on a new port each run, while Azure's URIs stay valid.
void current_scoring_uris(const Context& ctx, const Record& record, Json& out) {
    (void)record;
    if (!out.contains("properties") || !out["properties"].is_object()) {
        return;
    }
    for (const char* field : {"scoringUri", "swaggerUri"}) {
        const std::string uri = out["properties"].value(field, "");
        if (const auto at = uri.find("/inference/"); at != std::string::npos) {
            out["properties"][field] = ctx.base_url() + uri.substr(at);
        }
    }
}

TypeBehaviour online_type(const std::string& type) {
    TypeBehaviour t;
    t.type = type;
    t.api_versions = ml_api_versions();
    t.tracked = true;
    t.name_pattern = k_asset_name;
    t.create_mode = AsyncMode::async_operation;
    t.delete_mode = AsyncMode::location;
    t.operation_prefix = "mfeOperations";
    t.list_by_subscription = false;
    t.create_only = {"/location"};
    return t;
}

void add_lro_routes(Registry& r, const TypeBehaviour& t) {
    const ApiPolicy api = ApiPolicy::provider(t.type, t.api_versions);
    const std::string item = Registry::item_pattern(t);
    r.add_route({"PUT", item, with_timeout(generic_put), Auth::arm, api});
    r.add_route({"PATCH", item, with_timeout(patch_async), Auth::arm, api});
    r.add_route({"DELETE", item, with_timeout(generic_delete), Auth::arm, api});
}

}  // namespace

void install_online_endpoints(Registry& r) {
    TypeBehaviour endpoint = online_type(k_endpoint_type);
    endpoint.validate.push_back(check_traffic);
    endpoint.server_fields.push_back(endpoint_keys);
    endpoint.on_read.push_back(current_scoring_uris);
    add_lro_routes(r, endpoint);
    r.add_type(std::move(endpoint));
    r.add_action(k_endpoint_type, "listKeys", list_endpoint_keys);
    r.add_action(k_endpoint_type, "regenerateKeys", regenerate_endpoint_keys);
    r.add_action(k_endpoint_type, "token", endpoint_token);

    TypeBehaviour deployment = online_type(k_deployment_type);
    deployment.validate.push_back(check_deployment);
    deployment.on_delete = refuse_deleting_live_deployment;
    add_lro_routes(r, deployment);
    r.add_type(std::move(deployment));
    install_scoring(r);
}

}  // namespace emulator
