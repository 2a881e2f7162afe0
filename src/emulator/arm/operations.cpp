#include "arm/operations.hpp"

#include "arm/arm.hpp"
#include "arm/generic.hpp"

namespace emulator {

namespace {

std::string namespace_of(const std::string& type) { return type.substr(0, type.find('/')); }

std::string subscription_of(const std::string& id) {
    // "/subscriptions/<sub>/..."
    std::size_t start = id.find('/', 1);
    if (start == std::string::npos) {
        return "";
    }
    std::size_t end = id.find('/', start + 1);
    return id.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
}

AsyncUrls urls_for(const Services& svc, const Json& op) {
    AsyncUrls u;
    u.id = op["name"].get<std::string>();
    std::string sub = op["subscription"].get<std::string>();
    std::string api = op["apiVersion"].get<std::string>();
    std::string prefix = op["prefix"].get<std::string>();
    if (prefix.empty()) {
        u.result_url = svc.base_url + "/subscriptions/" + sub + "/operationresults/" + u.id + "?api-version=" + api;
        u.status_url = u.result_url;
        return u;
    }
    std::string base = svc.base_url + "/subscriptions/" + sub + "/providers/" + op["namespace"].get<std::string>() +
                       "/locations/" + op["location"].get<std::string>() + "/" + prefix;
    u.status_url = base + "Status/" + u.id + "?api-version=" + api + "&type=async";
    u.result_url = base + "Results/" + u.id + "?api-version=" + api;
    return u;
}

void builtin_effect(Services& svc, const Json& op, bool ok) {
    std::string kind = op["kind"].get<std::string>();
    auto rec = svc.store->get(op["resourceId"].get<std::string>(), true);
    if (!rec) {
        return;
    }
    if (kind == "delete" && ok) {
        svc.store->remove_tree(rec->id);
        return;
    }
    if (kind == "create" || kind == "update" || kind == "delete") {
        set_provisioning_state(rec->body, ok ? "Succeeded" : "Failed");
        rec->visible = true;
        rec->etag = "\"" + svc.new_uuid() + "\"";
        svc.store->put(*rec);
    }
}

Json failure_error(const Json& op) {
    return {{"code", "ResourceOperationFailure"},
            {"message", "The resource operation completed with terminal provisioning state 'Failed'. "
                        "(injected fault: operation " +
                            op["name"].get<std::string>() + ")"}};
}

Response status_response(const Services& svc, const Json& op, const AsyncUrls& urls) {
    Json body = {{"id", urls.status_url.substr(svc.base_url.size(), urls.status_url.find('?') - svc.base_url.size())},
                 {"name", op["name"]},
                 {"status", op["status"]},
                 {"startTime", op["startTime"]}};
    if (op["status"] == "InProgress") {
        std::int64_t start = op["startMs"].get<std::int64_t>();
        std::int64_t due = op["dueMs"].get<std::int64_t>();
        double pct = due > start ? 100.0 * static_cast<double>(svc.now_ms() - start) / static_cast<double>(due - start)
                                 : 0.0;
        body["percentComplete"] = std::clamp(pct, 0.0, 99.0);
    } else {
        body["endTime"] = op["endTime"];
        body["percentComplete"] = 100.0;
    }
    if (op.contains("error") && !op["error"].is_null()) {
        body["error"] = op["error"];
    }
    return Response::json(200, body);
}

std::optional<Json> find_op(Context& ctx, Response& not_found) {
    auto row = ctx.svc.store->get_operation(ctx.param("operationId"));
    if (!row || !iequals(row->body["subscription"].get<std::string>(), ctx.param("subscriptionId"))) {
        not_found = ArmError{404, "OperationNotFound",
                             "The operation '" + ctx.param("operationId") + "' could not be found."}
                        .response();
        return std::nullopt;
    }
    return row->body;
}

Response result_response(Context& ctx, const Json& op) {
    AsyncUrls urls = urls_for(ctx.svc, op);
    if (op["status"] == "InProgress") {
        return accepted(ctx.svc, urls);
    }
    if (op["status"] != "Succeeded") {
        return Response::json(400, Json{{"error", op["error"]}});
    }
    std::string kind = op["kind"].get<std::string>();
    if (kind == "delete") {
        return Response::empty(200);
    }
    if (!op["result"].is_null()) {
        return Response::json(200, op["result"]);
    }
    auto rec = ctx.svc.store->get(op["resourceId"].get<std::string>());
    return rec ? Response::json(200, render(ctx, *rec)) : Response::empty(204);
}

Response handle_status(Context& ctx) {
    Response res;
    auto op = find_op(ctx, res);
    if (!op) {
        return res;
    }
    std::string kind = to_lower(ctx.param("kind"));
    bool is_result = kind.ends_with("results") || kind.ends_with("result");
    if (is_result) {
        return result_response(ctx, *op);
    }
    Response status = status_response(ctx.svc, *op, urls_for(ctx.svc, *op));
    if ((*op)["status"] == "InProgress") {
        set_retry_after(ctx.svc, status);  // without it azure-core waits its 30 s default
    }
    return status;
}

Response handle_arm_result(Context& ctx) {
    Response res;
    auto op = find_op(ctx, res);
    return op ? result_response(ctx, *op) : res;
}

}  // namespace

Response accepted(const Services& svc, const AsyncUrls& urls, bool status_monitor) {
    Response res = Response::empty(202);
    res.set_header("Location", urls.result_url);
    if (status_monitor) {
        res.set_header("Azure-AsyncOperation", urls.status_url);
    }
    set_retry_after(svc, res);
    return res;
}

Response accept_async(Context& ctx, const AsyncStart& start, bool status_monitor) {
    return accepted(ctx.svc, start_async(ctx, start), status_monitor);
}

AsyncUrls start_async(Context& ctx, const AsyncStart& s) {
    std::string id = to_lower(ctx.svc.new_uuid());
    std::string key = s.duration_key;
    if (key.empty()) {
        key = s.type + (s.kind == "delete" ? "#delete" : (s.kind == "action" ? "#action" : ""));
    }
    std::int64_t now = ctx.svc.now_ms();
    std::int64_t due = now + ctx.svc.duration_ms(key);
    bool fails = ctx.svc.faults.async_fails(ctx.seq * 131 + ctx.svc.id_seq.load());
    if (fails) {
        ctx.svc.stats.record_async_failure();
    }
    Json op = {{"name", id},
               {"kind", s.kind},
               {"resourceId", s.resource_id},
               {"type", s.type},
               {"namespace", namespace_of(s.type)},
               {"hook", s.hook},
               {"location", s.location.empty() ? "global" : s.location},
               {"prefix", s.prefix},
               {"subscription", subscription_of(s.resource_id)},
               {"apiVersion", ctx.api_version},
               {"status", "InProgress"},
               {"willFail", fails},
               {"startMs", now},
               {"dueMs", due},
               {"startTime", iso_time(now)},
               {"result", s.result},
               {"extra", s.extra},
               {"error", nullptr}};
    ctx.svc.store->put_operation(OperationRow{id, op, due, false});
    return urls_for(ctx.svc, op);
}

void complete_due_operations(Services& svc) {
    for (auto& row : svc.store->due_operations(svc.now_ms())) {
        Json& op = row.body;
        bool ok = !op["willFail"].get<bool>();
        op["status"] = ok ? "Succeeded" : "Failed";
        op["endTime"] = iso_time(std::max(row.due_ms, op["startMs"].get<std::int64_t>()));
        if (!ok) {
            op["error"] = failure_error(op);
        }
        builtin_effect(svc, op, ok);
        if (const OperationHook* hook = svc.registry.find_hook(op["hook"].get<std::string>())) {
            (*hook)(svc, op, ok);
        }
        row.done = true;
        svc.store->put_operation(row);
    }
}

void install_operation_routes(Registry& registry) {
    registry.add_route({"GET", "/subscriptions/{subscriptionId}/operationresults/{operationId}", handle_arm_result,
                        Auth::arm, ApiPolicy::none()});
    registry.add_route({"GET",
                        "/subscriptions/{subscriptionId}/providers/{namespace}/locations/{location}/{kind}/{operationId}",
                        handle_status, Auth::arm, ApiPolicy::none()});
}

}  // namespace emulator
