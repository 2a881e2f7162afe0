#include "platform/dispatch.hpp"

#include "aad/aad.hpp"
#include "arm/activity_log.hpp"
#include "arm/arm.hpp"
#include "arm/operations.hpp"

#include <thread>

namespace emulator {

namespace {

struct Match {
    const RouteSpec* route = nullptr;
    std::map<std::string, std::string> params;
    bool path_matched = false;  // some route matched the path but not the method
};

// A last pattern segment "{name*}" takes the rest of the path, one segment or more joined by
// '/' (blob names hold '/'): "/{account}/{container}/{blob*}" matches "/a/c/models/x/m.pkl".
bool rest_pattern(const std::string& p) { return p.size() > 3 && p.front() == '{' && p.ends_with("*}"); }

bool match_pattern(const std::vector<std::string>& pat, const std::vector<std::string>& segs,
                   std::map<std::string, std::string>& params, int& literals) {
    const bool rest = !pat.empty() && rest_pattern(pat.back());
    if (rest ? segs.size() < pat.size() : pat.size() != segs.size()) {
        return false;
    }
    literals = 0;
    for (std::size_t i = 0; i < pat.size(); ++i) {
        const std::string& p = pat[i];
        if (rest && i + 1 == pat.size()) {
            std::string joined = segs[i];
            for (std::size_t j = i + 1; j < segs.size(); ++j) {
                joined += "/" + segs[j];
            }
            params[p.substr(1, p.size() - 3)] = std::move(joined);
        } else if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            params[p.substr(1, p.size() - 2)] = segs[i];
        } else if (iequals(p, segs[i])) {
            ++literals;
        } else {
            return false;
        }
    }
    return true;
}

Match route(const Registry& registry, const std::string& method, const std::string& path) {
    auto segs = path_segments(path);
    Match best;
    int best_literals = -1;
    bool head_fallback = false;
    for (const auto& r : registry.routes()) {
        std::map<std::string, std::string> params;
        int literals = 0;
        if (!match_pattern(r.segments, segs, params, literals)) {
            continue;
        }
        // A deeper path only a rest pattern matched keeps its 404 (not 405) for other methods.
        best.path_matched = best.path_matched || r.segments.size() == segs.size();
        bool exact = r.method == method;
        bool fallback = method == "HEAD" && r.method == "GET";
        if (!exact && !fallback) {
            continue;
        }
        // Prefer more literals; at equal specificity an exact method beats HEAD->GET.
        if (literals > best_literals || (literals == best_literals && exact && head_fallback)) {
            best.route = &r;
            best.params = std::move(params);
            best_literals = literals;
            head_fallback = !exact;
        }
    }
    return best;
}

OpClass op_class(const std::string& method) {
    if (method == "GET" || method == "HEAD") {
        return OpClass::read;
    }
    return method == "DELETE" ? OpClass::del : OpClass::write;
}

bool valid_api_format(const std::string& v) {
    if (v.size() < 10 || v[4] != '-' || v[7] != '-') {
        return false;
    }
    return std::all_of(v.begin(), v.begin() + 4, ::isdigit);
}

std::optional<Response> check_api_version(const Context& ctx, const ApiPolicy& api) {
    if (api.kind == ApiPolicy::Kind::none) {
        return std::nullopt;
    }
    auto v = ctx.req.param("api-version");
    if (!v || v->empty()) {
        return ArmError{400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all requests."}
            .response();
    }
    for (const auto& known : api.versions) {
        if (iequals(known, *v)) {
            return std::nullopt;
        }
    }
    std::string list;
    for (const auto& known : api.versions) {
        list += (list.empty() ? "" : ", ") + known;
    }
    if (api.kind == ApiPolicy::Kind::arm_own || !valid_api_format(*v)) {
        return ArmError{400, "InvalidApiVersionParameter",
                        "The api-version '" + *v + "' is invalid. The supported versions are '" + list + "'."}
            .response();
    }
    std::string locs;
    for (const auto& [name, display] : ctx.svc.registry.locations) {
        locs += (locs.empty() ? "" : ", ") + display;
    }
    return ArmError{400, "NoRegisteredProviderFound",
                    "No registered resource provider found for location 'global' and API version '" + *v +
                        "' for type '" + api.type.substr(api.type.find('/') + 1) +
                        "'. The supported api-versions are '" + list + "'. The supported locations are '" + locs +
                        "'."}
        .response();
}

/// 404/403 for a subscription the caller cannot see.
std::optional<Response> check_subscription(Context& ctx) {
    std::string sub = ctx.param("subscriptionId");
    if (sub.empty()) {
        return std::nullopt;
    }
    auto rec = ctx.svc.store->get("/subscriptions/" + sub);
    if (!rec) {
        return ArmError{404, "SubscriptionNotFound", "The subscription '" + sub + "' could not be found."}.response();
    }
    const Json& owners = rec->body["_principals"];
    bool allowed = owners.is_array() && std::find(owners.begin(), owners.end(), ctx.principal.object_id) != owners.end();
    if (!allowed) {
        return ArmError{403, "AuthorizationFailed",
                        "The client '" + ctx.principal.object_id + "' with object id '" + ctx.principal.object_id +
                            "' does not have authorization to perform action over scope '/subscriptions/" + sub +
                            "' or the scope is invalid. If access was recently granted, please refresh your "
                            "credentials."}
            .response();
    }
    return std::nullopt;
}

Response fault_response(Services& svc, Fault f, std::uint64_t seq) {
    if (f == Fault::server_error) {
        bool unavailable = mix(svc.options.seed, seq, 3) % 2 == 0;
        return unavailable ? ArmError{503, "ServiceUnavailable", "The service is temporarily unavailable (injected)."}
                                 .response()
                           : ArmError{500, "InternalServerError",
                                      "Encountered internal server error. Diagnostic information: injected fault."}
                                 .response();
    }
    Response res = ArmError{429, "TooManyRequests",
                            "The request is being throttled as the limit has been reached for operation type "
                            "(injected fault). Please try again later."}
                       .response();
    set_retry_after(svc, res);
    return res;
}

void standard_headers(const Request& req, Response& res) {
    std::string request_id = crypto::random_uuid();
    res.set_header("x-ms-request-id", request_id);
    if (res.header("x-ms-correlation-request-id").empty()) {  // the Activity Log may have set it
        std::string corr = req.header("x-ms-correlation-request-id");
        res.set_header("x-ms-correlation-request-id", corr.empty() ? request_id : corr);
    }
    res.set_header("x-ms-routing-request-id", "LOCAL:" + request_id);
    std::string client_id = req.header("x-ms-client-request-id");
    if (!client_id.empty() && iequals(req.header("x-ms-return-client-request-id"), "true")) {
        res.set_header("x-ms-client-request-id", client_id);
    }
    res.set_header("Cache-Control", "no-cache");
}

/// Runs the ARM checks and the handler; `throttled` is set when the bucket was empty.
// GET and HEAD write nothing: after the operations that are due have completed (a short write
// transaction, only when there are any), the handler reads without holding the store's lock,
// so concurrent reads (observe's parallel lists) are not served one at a time.
Response run_read(Context& ctx, const RouteSpec& r) {
    Services& svc = ctx.svc;
    if (!svc.store->due_operations(svc.now_ms()).empty()) {
        Store::Transaction tx(*svc.store);
        complete_due_operations(svc);
        tx.commit();
    }
    if (auto res = check_subscription(ctx)) {
        return *res;
    }
    return r.handler(ctx);
}

Response run_arm(Context& ctx, const RouteSpec& r, std::string& ratelimit_header, long& remaining) {
    Services& svc = ctx.svc;
    if (auto res = authenticate_arm(svc, ctx.req, ctx.principal)) {
        return *res;
    }
    if (svc.options.throttling && !ctx.param("subscriptionId").empty()) {
        OpClass c = op_class(ctx.req.method);
        int retry = 1;
        remaining = svc.throttle.take(to_lower(ctx.param("subscriptionId")), ctx.principal.object_id, c,
                                      svc.now_ms(), retry);
        ratelimit_header = std::string("x-ms-ratelimit-remaining-subscription-") + op_class_name(c);
        if (remaining < 0) {
            svc.stats.record_throttled();
            Response res = ArmError{429, "SubscriptionRequestsThrottled",
                                    "Number of '" + std::string(op_class_name(c)) + "' requests for subscription '" +
                                        ctx.param("subscriptionId") + "' actor '" + ctx.principal.object_id +
                                        "' exceeded. Please try again after '" + std::to_string(retry) +
                                        "' seconds after additional tokens are available. Refer to "
                                        "https://aka.ms/arm-throttling for additional information."}
                               .response();
            res.set_header("Retry-After", std::to_string(retry));
            remaining = 0;
            return res;
        }
    }
    if (auto res = check_api_version(ctx, r.api)) {
        return *res;
    }
    ctx.api_version = ctx.req.param("api-version").value_or("");
    if (ctx.req.method == "GET" || ctx.req.method == "HEAD") {
        return run_read(ctx, r);
    }
    Store::Transaction tx(*svc.store);
    complete_due_operations(svc);
    if (auto res = check_subscription(ctx)) {
        tx.commit();
        return *res;
    }
    Response res = r.handler(ctx);
    record_activity(ctx, res);
    tx.commit();
    return res;
}

Response not_found(const Request& req, bool path_matched) {
    if (path_matched) {
        return ArmError{405, "MethodNotAllowed",
                        "The requested resource does not support http method '" + req.method + "'."}
            .response();
    }
    return ArmError{404, "NotFound", "No HTTP resource was found that matches the request URI '" + req.path + "'."}
        .response();
}

}  // namespace

Response dispatch(Services& svc, const Request& req) {
    std::uint64_t seq = ++svc.request_seq;
    Match m = route(svc.registry, req.method, req.path);
    if (m.route == nullptr) {
        Response res = not_found(req, m.path_matched);
        standard_headers(req, res);
        svc.stats.record(req.method, "(unmatched)", res.status);
        return res;
    }
    const RouteSpec& r = *m.route;
    bool admin = r.pattern.starts_with("/_emulator");
    if (admin && !svc.admin_token.empty() &&
        !crypto::secret_equals(req.header("authorization"), "Bearer " + svc.admin_token)) {
        return ArmError{401, "AdminTokenRequired",
                        "The emulator listens beyond loopback (--allow-remote): its admin API requires "
                        "'Authorization: Bearer <token>' with the token in the state directory's admin-token file."}
            .response();
    }
    if (svc.options.latency.count() > 0 && !admin) {
        std::this_thread::sleep_for(svc.options.latency);
    }
    Context ctx{svc, req};
    ctx.params = std::move(m.params);
    ctx.route = r.pattern;
    ctx.seq = seq;
    for (int i = 1; ctx.params.count("name" + std::to_string(i)) > 0; ++i) {
        ctx.names.push_back(ctx.params["name" + std::to_string(i)]);
    }
    if (r.api.kind == ApiPolicy::Kind::provider) {
        ctx.type = svc.registry.find_type(r.api.type);
    }
    Fault fault = r.auth == Auth::arm ? svc.faults.decide(seq) : Fault::none;
    Response res;
    std::string ratelimit_header;
    long remaining = -1;
    if (fault == Fault::server_error || fault == Fault::throttle) {
        svc.stats.record_fault(fault == Fault::server_error ? "server_error" : "throttle");
        res = fault_response(svc, fault, seq);
    } else if (r.auth == Auth::arm) {
        res = run_arm(ctx, r, ratelimit_header, remaining);
    } else {
        res = r.handler(ctx);
    }
    if (!admin) {
        standard_headers(req, res);
        if (!ratelimit_header.empty()) {
            res.set_header(ratelimit_header, std::to_string(std::max(0L, remaining)));
        }
        svc.stats.record(req.method, r.pattern, res.status);
    }
    if (fault == Fault::slow_response) {
        svc.stats.record_fault("slow_response");
        std::this_thread::sleep_for(svc.faults.rates().slow_delay);
    }
    if (fault == Fault::connection_reset) {
        svc.stats.record_fault("connection_reset");
        res.drop_connection = true;
    }
    return res;
}

}  // namespace emulator
