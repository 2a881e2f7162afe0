// POST <scoringUri>: authenticate with the endpoint's key (or token), route to a deployment by
// the azureml-model-deployment header or by traffic, answer the built-in model (scoring.hpp).
#include "aad/aad.hpp"
#include "arm/arm.hpp"
#include "ml/online.hpp"
#include "ml/scoring.hpp"
#include "platform/services.hpp"

namespace emulator {

namespace {

const std::string k_prefix =
    "/inference/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/workspaces/{workspaceName}/"
    "onlineEndpoints/{endpointName}";

Response message(int status, const std::string& text) { return Response::json(status, Json{{"message", text}}); }

std::string endpoint_id(const Context& ctx) {
    return resource_group_id(ctx.param("subscriptionId"), ctx.param("resourceGroupName")) +
           "/providers/Microsoft.MachineLearningServices/workspaces/" + ctx.param("workspaceName") +
           "/onlineEndpoints/" + ctx.param("endpointName");
}

std::string bearer(const Request& req) {
    const std::string header = req.header("Authorization");
    return header.size() > 7 && iequals(header.substr(0, 7), "Bearer ") ? header.substr(7) : "";
}

bool authorized(Context& ctx, const Record& endpoint) {
    const std::string token = bearer(ctx.req);
    if (token.empty()) {
        return false;
    }
    const std::string mode = endpoint.body.value("properties", Json::object()).value("authMode", "Key");
    if (iequals(mode, "Key")) {
        return token == endpoint.secrets.value("primaryKey", "") || token == endpoint.secrets.value("secondaryKey", "");
    }
    if (iequals(mode, "AMLToken")) {
        const Json tokens = endpoint.secrets.value("tokens", Json::object());
        return tokens.contains(token) && tokens[token].get<std::int64_t>() > ctx.svc.now_ms() / 1000;
    }
    Principal who;
    return !authenticate_arm(ctx.svc, ctx.req, who).has_value();
}

// The deployment named by the header, else the one with the most traffic (ties: by name).
std::optional<std::string> pick_deployment(const Context& ctx, const Record& endpoint, Response& error) {
    const std::string wanted = ctx.req.header("azureml-model-deployment");
    if (!wanted.empty()) {
        if (!ctx.svc.store->get(endpoint.id + "/deployments/" + wanted)) {
            error = message(404, "Deployment '" + wanted + "' not found on endpoint '" + ctx.param("endpointName") + "'.");
            return std::nullopt;
        }
        return wanted;
    }
    const Json traffic = endpoint.body.value("properties", Json::object()).value("traffic", Json::object());
    std::optional<std::string> best;
    long long best_weight = 0;
    for (const auto& [name, weight] : traffic.items()) {
        const long long w = weight.is_number() ? weight.get<long long>() : 0;
        if (w > best_weight || (w == best_weight && w > 0 && best && name < *best)) {
            best = name;
            best_weight = w;
        }
    }
    if (!best) {
        error = message(424, "No valid deployments to route to. Please check that the endpoint has at least one "
                             "deployment with positive weight values or use a deployment specific header to route.");
    }
    return best;
}

std::optional<Record> load_endpoint(Context& ctx, Response& error) {
    auto endpoint = ctx.svc.store->get(endpoint_id(ctx));
    if (!endpoint) {
        error = message(404, "Endpoint '" + ctx.param("endpointName") + "' not found.");
        return std::nullopt;
    }
    if (!authorized(ctx, *endpoint)) {
        error = message(401, "Unauthorized: the request needs 'Authorization: Bearer <endpoint key or token>'.");
        return std::nullopt;
    }
    return endpoint;
}

Response score_handler(Context& ctx) {
    Response error;
    auto endpoint = load_endpoint(ctx, error);
    if (!endpoint) {
        return error;
    }
    auto deployment = pick_deployment(ctx, *endpoint, error);
    if (!deployment) {
        return error;
    }
    auto record = ctx.svc.store->get(endpoint->id + "/deployments/" + *deployment);
    const std::string state =
        record ? record->body.value("properties", Json::object()).value("provisioningState", "Succeeded") : "";
    if (state != "Succeeded") {
        return message(424, "Deployment '" + *deployment + "' is not ready (provisioningState '" + state + "').");
    }
    Json request = Json::parse(ctx.req.body, nullptr, false);
    if (request.is_discarded()) {
        return message(400, "The request body is not JSON; expected {\"data\": [[...], ...]}.");
    }
    ScoreResult result = score(request);
    if (!result.error.empty()) {
        return message(400, result.error);
    }
    Response res = Response::json(200, result.predictions);
    res.set_header("azureml-model-deployment", *deployment);
    return res;
}

Response swagger_handler(Context& ctx) {
    Response error;
    if (!load_endpoint(ctx, error)) {
        return error;
    }
    const Json rows = {{"type", "array"}, {"items", {{"type", "array"}, {"items", {{"type", "number"}}}}}};
    return Response::json(
        200, Json{{"swagger", "2.0"},
                  {"info", {{"title", ctx.param("endpointName")}, {"version", "1.0"},
                            {"description", "converge emulator built-in model: the sum of each row"}}},
                  {"paths",
                   {{"/score",
                     {{"post",
                       {{"parameters", {{{"name", "body"}, {"in", "body"}, {"schema", {{"type", "object"},
                                                                                      {"properties", {{"data", rows}}}}}}}},
                        {"responses", {{"200", {{"description", "one prediction per row"},
                                                {"schema", {{"type", "array"}, {"items", {{"type", "number"}}}}}}}}}}}}}}}});
}

}  // namespace

void install_scoring(Registry& registry) {
    registry.add_route({"POST", k_prefix + "/score", score_handler, Auth::none, ApiPolicy::none()});
    registry.add_route({"GET", k_prefix + "/swagger.json", swagger_handler, Auth::none, ApiPolicy::none()});
}

}  // namespace emulator
