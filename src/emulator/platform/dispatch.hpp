#pragma once
// The request pipeline: route, authenticate, throttle, inject faults, check api-version,
// run the handler inside a store transaction, add ARM's standard headers, count.
#include "platform/services.hpp"

namespace emulator {

/// Answers one request (thread-safe). Sleeps for latency / slow faults happen here too.
Response dispatch(Services& svc, const Request& req);

}  // namespace emulator
