#pragma once
// The one rule for "is this operation or resource done, and how did it end", and the
// interface of a write whose operation may still run. The client (arm/lro.cpp) follows
// operations with it; apply only schedules polls of an Operation; tests' fakes use the same rule.
//
// The rule:
// - A status word (an Azure-AsyncOperation `status`, a resource's `provisioningState`) is
//   terminal when it is Succeeded, Failed, Canceled or Cancelled, in any case. Every other word,
//   the empty one included, means the operation is still running.
// - A resource body read by GET (or returned by a synchronous PUT/PATCH) that carries no
//   `properties.provisioningState` is Succeeded: most kinds have none, and ARM only sends one
//   while it matters. (A 202's body is not such a body: the client reads the resource instead.)
#include "converge/api_error.hpp"
#include "converge/json.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace converge {

/// Where an operation (or a resource's provisioning) stands.
enum class Outcome { running, succeeded, failed, canceled };

/// "running", "succeeded", "failed", "canceled".
const char* outcome_name(Outcome outcome);

/// The outcome a status word names: Succeeded/Failed/Canceled/Cancelled (any case); anything
/// else, "" included, is running.
Outcome outcome_of(std::string_view status);

/// The resource's `properties.provisioningState` as sent, or "" when it has none.
std::string provisioning_state(const Json& resource);

/// The outcome of a resource body: its provisioningState's, Succeeded when it has none.
Outcome resource_outcome(const Json& resource);

/// The service's explanation of a Failed provisioningState when the body carries one
/// (a compute's provisioningErrors, an `error` object), else "".
std::string provisioning_error(const Json& resource);

/// What happened during one long-running operation (for benchmarks and apply progress).
struct LroReport {
    int polls = 0;                      ///< status/Location/resource GETs made
    std::string mechanism;              ///< "none", "azure-async-operation", "location", "provisioning-state"
    std::string final_status;           ///< the service's word: "Succeeded", "Failed", "Cancelled", ...
    Outcome outcome = Outcome::running; ///< how it ended (failed for errors such as a timeout)
    std::chrono::milliseconds elapsed{0};
};

/// A write whose operation may still be running (ArmClient's LroOperation; tests' fakes): the
/// caller waits wait(), calls poll(), and repeats until done(). Nothing here sleeps, so one
/// thread can keep many operations going. Not thread-safe: poll from one thread at a time.
class Operation {
public:
    virtual ~Operation() = default;
    /// True once the operation ended; result() and report() are then final.
    virtual bool done() const = 0;
    /// How long to wait before the next poll (Retry-After, capped, never past the timeout).
    virtual std::chrono::milliseconds wait() const = 0;
    /// Sends the next poll (one GET); nothing once done().
    virtual void poll() = 0;
    /// The final body (null when the service sent none) or the error; only once done().
    virtual const ApiResult<Json>& result() const = 0;
    /// Polls so far, mechanism, and how it ended.
    virtual const LroReport& report() const = 0;
};

}  // namespace converge
