#pragma once
// Generic long-running operations: a status monitor (Azure-AsyncOperation) and a result URL
// (Location), completed lazily at the start of every request once their due time passes,
// so nothing runs in the background and state survives restarts. Types reuse it through
// AsyncMode in their behaviour, handlers through start_async().
#include "platform/registry.hpp"
#include "platform/services.hpp"

namespace emulator {

/// What to start.
struct AsyncStart {
    std::string kind;          ///< "create", "update", "delete" or "action"
    std::string resource_id;   ///< the resource the operation works on
    std::string type;          ///< canonical ARM type (namespace used in the URLs)
    std::string duration_key;  ///< Options::durations key; "" = type (+ "#delete"/"#action")
    std::string hook;          ///< extra completion hook (Registry::add_operation_hook), may be ""
    std::string location;      ///< region for provider URLs ("" -> "global")
    std::string prefix;        ///< "computeOperations" -> .../computeOperationsStatus/{id}; "" = ARM operationresults
    Json result = nullptr;     ///< body the result URL returns on success (actions)
    Json extra = nullptr;      ///< free-form data for hooks
};

/// The URLs of a started operation.
struct AsyncUrls {
    std::string id;
    std::string status_url;  ///< for Azure-AsyncOperation
    std::string result_url;  ///< for Location
};

/// Records an operation due after its duration; whether it fails is decided now from the
/// seed (FaultRates::async_failure).
AsyncUrls start_async(Context& ctx, const AsyncStart& start);
/// 202 Accepted for an operation in progress: Location (the result URL), Azure-AsyncOperation
/// (the status URL) when `status_monitor`, and Retry-After.
Response accepted(const Services& svc, const AsyncUrls& urls, bool status_monitor = false);
/// start_async, answered with accepted(): the 202-then-poll start of every async route.
Response accept_async(Context& ctx, const AsyncStart& start, bool status_monitor = false);
/// Completes every operation that is due (built-in effect by kind, then the named hook).
void complete_due_operations(Services& svc);
/// Registers the status and result routes.
void install_operation_routes(Registry& registry);

}  // namespace emulator
