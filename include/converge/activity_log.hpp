#pragma once
// Who changed a resource: the Azure Activity Log (Microsoft.Insights "eventtypes/management",
// api-version 2015-04-01) read for a set of resources and a time window. Part of observe: it
// only reads, through ArmApi (paged with nextLink under the client's paging limits).
// See docs/activity-log.md.
#include "converge/arm_api.hpp"
#include "converge/resource_id.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace converge {

/// The latest change to one resource as the Activity Log recorded it.
struct ChangeEvent {
    std::string resource_id;     ///< as the log spells it
    std::string caller;          ///< user UPN / e-mail, or a service principal's object id
    std::string time;            ///< eventTimestamp (ISO 8601, UTC)
    std::string operation;       ///< operationName, e.g. "Microsoft.MachineLearningServices/workspaces/write"
    std::string correlation_id;
    std::string status;          ///< "Succeeded", "Accepted", "Started", ...

    /// "changed by <caller> at <time> via <operation>".
    std::string describe() const;
};

/// A time window [from, to] for the query (Azure requires both ends; it keeps 90 days).
struct ActivityWindow {
    std::chrono::system_clock::time_point from;
    std::chrono::system_clock::time_point to;
};

/// The requests latest_changes sends for these resources: per subscription one query, on
/// `resourceUri eq` for a single resource, `resourceGroupName eq` when they share a group, else
/// the subscription's whole window (matched client-side). Exposed for tests and -v output.
struct ActivityQuery {
    std::string path;    ///< "/subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values"
    std::string filter;  ///< the $filter
};
std::vector<ActivityQuery> activity_queries(const std::vector<ResourceId>& resources, const ActivityWindow& window);

/// The api-version used.
inline constexpr const char* k_activity_log_api_version = "2015-04-01";

/// The latest successful write or delete (operationName ending in "/write" or "/delete"; the
/// events of a failed operation (its correlation id has a Failed event) and actions such as
/// listKeys are skipped) recorded for each of `resources` in
/// `window`, keyed by the resource's ResourceId::key() (lower-cased id). Resources without an
/// event are absent from the map. Errors of the Activity Log (e.g. 403 for a principal
/// without Microsoft.Insights/eventtypes/values/read) are returned as they are.
ApiResult<std::map<std::string, ChangeEvent>> latest_changes(ArmApi& api, const std::vector<ResourceId>& resources,
                                                             const ActivityWindow& window);

/// "2026-01-02T03:04:05Z" for a time point (seconds precision, UTC).
std::string iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace converge
