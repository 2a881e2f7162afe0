#pragma once
// The narrow seam observe and apply talk through: reads on resource paths (retried and paced)
// and writes that return at once with their operation, which the caller polls to its end.
// ArmClientApi implements it over ArmClient for real Azure (and the emulator); tests use a fake.
#include "converge/api_error.hpp"
#include "converge/json.hpp"
#include "converge/operation_state.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace converge {

/// An ApiError of our own making (status 0 unless given).
inline ApiError make_api_error(std::string code, std::string message, int status = 0) {
    ApiError e;
    e.status = status;
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
}

/// Query parameters beyond api-version.
using Query = std::map<std::string, std::string>;

/// The HTTP verb of a write: chosen once per step (resource_ops.hpp), sent as is.
enum class Verb { put, patch, remove, post };

/// "PUT", "PATCH", "DELETE", "POST".
const char* verb_name(Verb verb);

/// One write: verb, resource path, api-version, body (null for a DELETE) and extra query.
struct WriteRequest {
    Verb verb = Verb::put;
    std::string path;
    std::string api_version;
    Json body;
    Query query;
};

/// A data-plane request (an online endpoint's scoring call): an absolute URL and the caller's
/// own headers; no ARM token is added.
struct DataRequest {
    std::string method = "POST";
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;
};

/// Its answer, whatever the status.
struct DataResponse {
    int status = 0;
    std::string body;
};

/// The answer to a read sent as a POST (a Resource Graph query): status, headers, parsed body.
struct ArmReply {
    int status = 0;
    std::map<std::string, std::string> headers;  ///< names lower-cased
    Json body;
};

/// ARM reads and writes on paths such as "/subscriptions/s/resourceGroups/rg"; must be thread-safe.
class ArmApi {
public:
    virtual ~ArmApi() = default;

    /// GET one resource; a 404 is an ApiError with status 404.
    virtual ApiResult<Json> get(const std::string& path, const std::string& api_version) = 0;
    /// GET a collection, following nextLink; every item of every page.
    virtual ApiResult<std::vector<Json>> list(const std::string& path, const std::string& api_version,
                                              const Query& query) = 0;
    /// Sends the write and returns at once: its operation, already done() when the service
    /// answered synchronously. A PUT/PATCH ends with the resource once its provisioningState
    /// is terminal (Failed/Canceled is an error with the service's message); a DELETE ends
    /// when the resource is gone (an absent resource is success, with a null body).
    virtual ApiResult<std::unique_ptr<Operation>> begin(const WriteRequest& request) = 0;
    /// Sends a data-plane request (retried like any POST that is not idempotent: never on 5xx);
    /// an error only when no HTTP answer came.
    virtual ApiResult<DataResponse> send_data(const DataRequest& request) {
        (void)request;
        return tl::unexpected(make_api_error("NotSupported", "this API sends no data-plane requests"));
    }
    /// POSTs a read-only query to ARM (`POST /providers/Microsoft.ResourceGraph/resources`),
    /// retried like a GET; any HTTP status is returned with its headers (the caller reads the
    /// quota headers and the error). An error only when no HTTP answer came.
    virtual ApiResult<ArmReply> post_query(const std::string& path, const std::string& api_version, const Json& body) {
        (void)path;
        (void)api_version;
        (void)body;
        return tl::unexpected(make_api_error("NotSupported", "this API sends no queries"));
    }
};

}  // namespace converge
