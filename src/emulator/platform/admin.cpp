// The admin surface for tests and benchmarks: counters and fault knobs at runtime.
// Not part of Azure; bound to the same (loopback by default) listener, no token needed.
#include "aad/aad.hpp"
#include "arm/arm.hpp"
#include "platform/modules.hpp"

namespace emulator {

namespace {

Json faults_json(const FaultRates& f) {
    return {{"serverError", f.server_error},     {"throttle", f.throttle},
            {"connectionReset", f.connection_reset}, {"slowResponse", f.slow_response},
            {"asyncFailure", f.async_failure},   {"slowDelayMs", f.slow_delay.count()}};
}

Response get_stats(Context& ctx) {
    Response res;
    res.body = stats_to_json(ctx.svc.stats.snapshot());
    return res;
}

Response reset_stats(Context& ctx) {
    ctx.svc.stats.reset();
    return Response::empty(204);
}

Response get_faults(Context& ctx) { return Response::json(200, faults_json(ctx.svc.faults.rates())); }

Response put_faults(Context& ctx) {
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    FaultRates f = ctx.svc.faults.rates();
    auto rate = [&](const char* key, double& into) -> bool {
        if (!body.contains(key)) {
            return true;
        }
        if (!body[key].is_number() || body[key].get<double>() < 0 || body[key].get<double>() > 1) {
            return false;
        }
        into = body[key].get<double>();
        return true;
    };
    bool ok = rate("serverError", f.server_error) && rate("throttle", f.throttle) &&
              rate("connectionReset", f.connection_reset) && rate("slowResponse", f.slow_response) &&
              rate("asyncFailure", f.async_failure);
    if (!ok) {
        return ArmError{400, "InvalidFaultRate", "fault rates must be numbers between 0 and 1"}.response();
    }
    if (body.contains("slowDelayMs") && body["slowDelayMs"].is_number_integer()) {
        f.slow_delay = std::chrono::milliseconds(body["slowDelayMs"].get<long>());
    }
    ctx.svc.faults.set_rates(f);
    return Response::json(200, faults_json(f));
}

// GET/PUT /_emulator/graph {"lagMs", "quota", "quotaWindowMs"}: Resource Graph's lag and quota.
Json graph_json(const Services& svc) {
    return {{"lagMs", svc.graph.lag_ms()}, {"quota", svc.graph_quota.limit()}, {"quotaWindowMs", svc.graph_quota.window_ms()}};
}

Response get_graph(Context& ctx) { return Response::json(200, graph_json(ctx.svc)); }

Response put_graph(Context& ctx) {
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    auto number = [&](const char* key, long long min) {
        return !body.contains(key) || (body[key].is_number_integer() && body[key].get<long long>() >= min);
    };
    if (!body.is_object() || !number("lagMs", 0) || !number("quota", 1) || !number("quotaWindowMs", 1)) {
        return ArmError{400, "InvalidGraphSettings", "lagMs must be >= 0, quota and quotaWindowMs >= 1 (integers)"}
            .response();
    }
    if (body.contains("lagMs")) {
        ctx.svc.graph.set_lag_ms(body["lagMs"].get<long long>());
    }
    if (body.contains("quota") || body.contains("quotaWindowMs")) {
        ctx.svc.graph_quota.set(body.value("quota", ctx.svc.graph_quota.limit()),
                                body.value("quotaWindowMs", ctx.svc.graph_quota.window_ms()));
    }
    return Response::json(200, graph_json(ctx.svc));
}

// POST /_emulator/principals {"displayName"?}: another service principal (tests act "as
// someone else" with it). The answer carries its secret, like the first start's credentials.
Response add_principal(Context& ctx) {
    Json body = Json::object();
    if (!ctx.req.body.empty()) {
        if (auto err = parse_body(ctx.req, body)) {
            return err->response();
        }
    }
    std::string name = body.contains("displayName") && body["displayName"].is_string()
                           ? body["displayName"].get<std::string>()
                           : "";
    Credentials c = create_principal(ctx.svc, name);
    return Response::json(201, Json{{"tenantId", c.tenant_id},
                                    {"subscriptionId", c.subscription_id},
                                    {"clientId", c.client_id},
                                    {"objectId", c.object_id},
                                    {"clientSecret", c.client_secret}});
}

Response health(Context& ctx) {
    return Response::json(200, Json{{"status", "ok"}, {"baseUrl", ctx.svc.base_url}});
}

}  // namespace

void install_admin(Registry& r) {
    r.add_route({"GET", "/_emulator/stats", get_stats, Auth::none, {}});
    r.add_route({"POST", "/_emulator/reset-stats", reset_stats, Auth::none, {}});
    r.add_route({"GET", "/_emulator/faults", get_faults, Auth::none, {}});
    r.add_route({"PUT", "/_emulator/faults", put_faults, Auth::none, {}});
    r.add_route({"GET", "/_emulator/graph", get_graph, Auth::none, {}});
    r.add_route({"PUT", "/_emulator/graph", put_graph, Auth::none, {}});
    r.add_route({"GET", "/_emulator/health", health, Auth::none, {}});
    r.add_route({"POST", "/_emulator/principals", add_principal, Auth::none, {}});
}

}  // namespace emulator
