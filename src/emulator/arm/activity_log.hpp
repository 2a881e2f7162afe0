#pragma once
// The Azure Activity Log (Microsoft.Insights, api-version 2015-04-01): every ARM write
// (PUT/PATCH/DELETE, POST actions) is recorded as EventData with its caller, and
// GET /subscriptions/{s}/providers/microsoft.insights/eventtypes/management/values serves them
// ($filter as the OpenAPI documents it, $select, newest first, nextLink).
#include "platform/registry.hpp"
#include "platform/services.hpp"

namespace emulator {

/// Registers the Activity Log route.
void install_activity_log(Registry& registry);

/// Records the write `ctx` made (called by dispatch inside the write transaction, after an
/// ARM handler answered `res`): a BeginRequest and an EndRequest event sharing the
/// correlation id, which is set on `res` (the client's x-ms-correlation-request-id or a new
/// one). Reads, anything outside /subscriptions/{s}/..., throttled and unauthenticated
/// requests record nothing.
void record_activity(Context& ctx, Response& res);

/// Parses ISO-8601 date-times as Azure accepts them in $filter ("2026-01-02",
/// "2026-01-02T03:04:05Z", fractions, "+01:00" offsets) into epoch milliseconds.
std::optional<std::int64_t> parse_iso_time(const std::string& text);

}  // namespace emulator
