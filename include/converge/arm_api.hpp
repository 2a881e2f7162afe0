#pragma once
// The narrow seam observe and apply talk through: ARM verbs on resource paths, each call
// already retried, paced and followed to the end of its long-running operation.
// ArmClient implements it for real Azure (and the emulator); tests use a fake.
#include "converge/json.hpp"

#include <tl/expected.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace converge {

#if __has_include("converge/arm_client.hpp")
}  // namespace converge
#include "converge/arm_client.hpp"  // ApiError, ApiResult
namespace converge {
#else
/// A terminal failure of one ARM call, as the service reported it (until the client lands).
struct ApiError {
    int status = 0;
    std::string code;
    std::string message;
    std::string request_id;

    bool is_not_found() const { return status == 404; }
    std::string to_string() const {
        return (code.empty() ? message : code + ": " + message) +
               (status != 0 ? " (HTTP " + std::to_string(status) + ")" : std::string());
    }
};

template <typename T>
using ApiResult = tl::expected<T, ApiError>;
#endif

/// An ApiError of our own making (status 0 unless given): timeouts, failed provisioning.
inline ApiError make_api_error(std::string code, std::string message, int status = 0) {
    ApiError e;
    e.status = status;
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
}

/// Query parameters beyond api-version.
using Query = std::map<std::string, std::string>;

/// A write whose long-running operation is still running. Poll it from one thread at a time;
/// nothing here sleeps, so a scheduler can keep many operations going without a thread each.
class PendingOperation {
public:
    virtual ~PendingOperation() = default;
    /// How long to wait before the next poll (Retry-After, capped, never past the timeout).
    virtual std::chrono::milliseconds wait() const = 0;
    /// One poll: the final body once the operation ended, nullopt while it runs.
    virtual ApiResult<std::optional<Json>> poll() = 0;
    /// Polls sent so far.
    virtual int polls() const = 0;
};

/// A write sent without waiting: its final body, or the operation to poll.
struct WriteStarted {
    Json body;  ///< the final body when `operation` is null
    std::unique_ptr<PendingOperation> operation;
};

/// ARM verbs on paths such as "/subscriptions/s/resourceGroups/rg"; must be thread-safe.
class ArmApi {
public:
    virtual ~ArmApi() = default;

    /// GET one resource; a 404 is an ApiError with status 404.
    virtual ApiResult<Json> get(const std::string& path, const std::string& api_version) = 0;
    /// GET a collection, following nextLink; every item of every page.
    virtual ApiResult<std::vector<Json>> list(const std::string& path, const std::string& api_version,
                                              const Query& query) = 0;
    /// PUT, following the operation to its end; the final body (may be null).
    virtual ApiResult<Json> put(const std::string& path, const std::string& api_version,
                                const Json& body) = 0;
    /// PATCH, following the operation to its end; the final body (may be null).
    virtual ApiResult<Json> patch(const std::string& path, const std::string& api_version,
                                  const Json& body) = 0;
    /// DELETE, following the operation to its end; an absent resource (204/404) is success.
    virtual ApiResult<Json> remove(const std::string& path, const std::string& api_version,
                                   const Query& query) = 0;

    /// PUT without waiting for its operation. By default the blocking put(), already done.
    virtual ApiResult<WriteStarted> begin_put(const std::string& path, const std::string& api_version,
                                              const Json& body) {
        return done(put(path, api_version, body));
    }
    /// PATCH without waiting for its operation. By default the blocking patch().
    virtual ApiResult<WriteStarted> begin_patch(const std::string& path, const std::string& api_version,
                                                const Json& body) {
        return done(patch(path, api_version, body));
    }
    /// DELETE without waiting for its operation; an absent resource is done. By default remove().
    virtual ApiResult<WriteStarted> begin_remove(const std::string& path, const std::string& api_version,
                                                 const Query& query) {
        return done(remove(path, api_version, query));
    }

protected:
    static ApiResult<WriteStarted> done(ApiResult<Json> result) {
        if (!result) {
            return tl::unexpected(result.error());
        }
        return WriteStarted{std::move(*result), nullptr};
    }
};

}  // namespace converge
