#pragma once
// An in-memory ArmApi for executor and observe tests: stores bodies by path, counts requests,
// and can be told to fail a request or to leave a resource in a given provisioningState. Its
// writes are done at once unless the resource's provisioningState is still running; their
// operations then GET the resource at each poll and end by operation_state.hpp's rule.
#include "converge/arm_api.hpp"
#include "converge/resource_id.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace converge::testing {

class FakeArm : public ArmApi {
public:
    /// Every request as "METHOD path[?query]", in the order received.
    std::vector<std::string> log;
    /// Bodies sent with PUT/PATCH, by "METHOD path".
    std::map<std::string, Json> sent;
    /// "METHOD path" -> error returned (once) instead of doing the request.
    std::map<std::string, ApiError> fail_once;
    /// path -> provisioningState a PUT leaves behind (default Succeeded).
    std::map<std::string, std::string> state_after_put;
    /// path -> extra properties merged into the stored body on PUT (server-populated values).
    std::map<std::string, Json> server_fields;
    /// Called before each request (outside the lock).
    std::function<void(const std::string& method, const std::string& path)> on_request;

    void seed(const std::string& path, Json body);
    bool has(const std::string& path) const;
    Json body(const std::string& path) const;
    std::size_t writes() const;
    std::size_t count(const std::string& prefix) const;

    ApiResult<Json> get(const std::string& path, const std::string& api_version) override;
    ApiResult<std::vector<Json>> list(const std::string& path, const std::string& api_version,
                                      const Query& query) override;
    ApiResult<std::unique_ptr<Operation>> begin(const WriteRequest& request) override;

protected:
    /// The write itself, logged as "PUT path" etc.: the stored resource (null after a DELETE).
    ApiResult<Json> write(const WriteRequest& request);

private:
    /// GET /subscriptions/{s}/providers/{type}: nullopt when `path` is not that (lock held).
    std::optional<std::vector<Json>> list_by_subscription(const std::string& path) const;
    std::optional<ApiError> enter(const std::string& method, const std::string& path, const std::string& query = "");

    mutable std::mutex m_mutex;
    std::map<std::string, Json> m_store;  // lower-case path -> body
};

}  // namespace converge::testing
