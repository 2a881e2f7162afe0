#pragma once
// The narrow seam observe and apply talk through: ARM verbs on resource paths, each call
// already retried, paced and followed to the end of its long-running operation.
// ArmClient implements it for real Azure (and the emulator); tests use a fake.
#include "converge/json.hpp"

#include <tl/expected.hpp>

#include <map>
#include <string>
#include <vector>

namespace converge {

/// A terminal failure of one ARM call, as the service reported it.
struct ApiError {
    int status = 0;          ///< HTTP status, 0 when the request never got an answer
    std::string code;        ///< ARM error code, e.g. "ResourceGroupNotFound"
    std::string message;     ///< the service's message
    std::string request_id;  ///< x-ms-request-id, for support tickets

    bool not_found() const { return status == 404; }
    /// "ResourceGroupNotFound: Resource group 'rg' could not be found. (HTTP 404, request id ...)"
    std::string to_string() const;
};

template <typename T>
using ApiResult = tl::expected<T, ApiError>;

/// Query parameters beyond api-version.
using Query = std::map<std::string, std::string>;

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
};

}  // namespace converge
