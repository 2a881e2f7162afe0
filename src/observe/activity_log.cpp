#include "converge/activity_log.hpp"

#include <ctime>
#include <set>

namespace converge {

namespace {

std::string odata_literal(const std::string& v) {
    std::string out = "'";
    for (char c : v) {
        out += c;
        if (c == '\'') {
            out += '\'';  // OData doubles a quote inside a literal
        }
    }
    return out + "'";
}

std::string text_of(const Json& event, const char* field) {
    if (!event.contains(field)) {
        return "";
    }
    const Json& v = event[field];
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_object() && v.contains("value") && v["value"].is_string()) {
        return v["value"].get<std::string>();  // LocalizableString
    }
    return "";
}

bool is_change(const std::string& operation, const std::string& status) {
    if (iequals(status, "Failed")) {
        return false;
    }
    auto ends = [&](std::string_view suffix) {
        return operation.size() >= suffix.size() &&
               iequals(std::string_view(operation).substr(operation.size() - suffix.size()), suffix);
    };
    return ends("/write") || ends("/delete");
}

}  // namespace

std::string ChangeEvent::describe() const {
    return "changed by " + (caller.empty() ? std::string("(unknown caller)") : caller) + " at " + time + " via " +
           operation;
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::vector<ActivityQuery> activity_queries(const std::vector<ResourceId>& resources, const ActivityWindow& window) {
    // Whole seconds: the window's ends are widened so no event of the window is lost.
    auto from = std::chrono::floor<std::chrono::seconds>(window.from);
    auto to = std::chrono::ceil<std::chrono::seconds>(window.to);
    std::string range = "eventTimestamp ge '" + iso8601_utc(from) + "' and eventTimestamp le '" + iso8601_utc(to) + "'";
    std::map<std::string, std::vector<const ResourceId*>> by_subscription;  // lower-cased subscription
    std::map<std::string, std::string> spelling;
    for (const auto& id : resources) {
        std::string sub = id.subscription();
        if (sub.empty()) {
            continue;
        }
        by_subscription[to_lower(sub)].push_back(&id);
        spelling.emplace(to_lower(sub), sub);
    }
    std::vector<ActivityQuery> out;
    for (const auto& [key, ids] : by_subscription) {
        ActivityQuery q;
        q.path = "/subscriptions/" + spelling[key] + "/providers/Microsoft.Insights/eventtypes/management/values";
        std::set<std::string> keys;
        std::set<std::string> groups;
        std::string group;
        for (const ResourceId* id : ids) {
            keys.insert(id->key());
            group = id->resource_group();
            groups.insert(to_lower(group));
        }
        if (keys.size() == 1) {
            q.filter = range + " and resourceUri eq " + odata_literal(ids.front()->str());
        } else if (groups.size() == 1 && !group.empty()) {
            q.filter = range + " and resourceGroupName eq " + odata_literal(group);
        } else {
            q.filter = range;
        }
        out.push_back(std::move(q));
    }
    return out;
}

ApiResult<std::map<std::string, ChangeEvent>> latest_changes(ArmApi& api, const std::vector<ResourceId>& resources,
                                                             const ActivityWindow& window) {
    std::set<std::string> wanted;
    for (const auto& id : resources) {
        wanted.insert(id.key());
    }
    std::map<std::string, ChangeEvent> out;
    for (const auto& q : activity_queries(resources, window)) {
        Query query{{"$filter", q.filter},
                    {"$select", "caller,eventTimestamp,operationName,operationId,correlationId,resourceId,status"}};
        auto events = api.list(q.path, k_activity_log_api_version, query);
        if (!events) {
            return tl::unexpected(events.error());
        }
        // A failed write logs Started (BeginRequest) and Failed (EndRequest) under one operation
        // id: neither is a change. (Not the correlation id: a client may send one for a whole run,
        // as converge and Terraform do, and its other writes are still changes.)
        std::set<std::string> failed;
        for (const Json& e : *events) {
            if (iequals(text_of(e, "status"), "Failed")) {
                failed.insert(to_lower(text_of(e, "operationId")));
            }
        }
        for (const Json& e : *events) {
            if (failed.count(to_lower(text_of(e, "operationId"))) > 0 && !text_of(e, "operationId").empty()) {
                continue;
            }
            std::string rid = text_of(e, "resourceId");
            std::string key = to_lower(rid);
            while (!key.empty() && key.back() == '/') {
                key.pop_back();
            }
            if (wanted.count(key) == 0) {
                continue;
            }
            ChangeEvent c;
            c.operation = text_of(e, "operationName");
            c.status = text_of(e, "status");
            if (!is_change(c.operation, c.status)) {
                continue;
            }
            c.resource_id = rid;
            c.caller = text_of(e, "caller");
            c.time = text_of(e, "eventTimestamp");
            c.correlation_id = text_of(e, "correlationId");
            // Azure answers newest first; the first event kept wins ties, a later one only when
            // it is newer (ISO 8601 UTC strings of one format order as times do).
            auto it = out.find(key);
            if (it == out.end()) {
                out.emplace(key, std::move(c));
            } else if (c.time > it->second.time) {
                it->second = std::move(c);
            }
        }
    }
    return out;
}

}  // namespace converge
