#pragma once
// ArmApi over the real ArmClient: what observe and apply use outside tests.
#include "converge/arm_api.hpp"

#if __has_include("converge/arm_client.hpp")
#include "converge/arm_client.hpp"

#include <functional>
#include <memory>

namespace converge {

/// Called once when a write's operation ends (at once for a synchronous answer).
using OnOperationEnd = std::function<void(const LroReport& report)>;

/// Sends a write through `client` without waiting: the final body, or a PendingOperation
/// over the client's LroOperation. For DELETE an absent resource (404) is success.
ApiResult<WriteStarted> begin_write(ArmClient& client, std::string_view method, const std::string& path,
                                    const std::string& api_version, const Json& body, CallOptions options,
                                    OnOperationEnd on_end = {});

/// Forwards the ArmApi verbs to an ArmClient (which retries, paces and follows operations).
class ArmClientApi : public ArmApi {
public:
    explicit ArmClientApi(std::shared_ptr<ArmClient> client) : m_client(std::move(client)) {}

    ApiResult<Json> get(const std::string& path, const std::string& api_version) override;
    ApiResult<std::vector<Json>> list(const std::string& path, const std::string& api_version,
                                      const Query& query) override;
    ApiResult<Json> put(const std::string& path, const std::string& api_version, const Json& body) override;
    ApiResult<Json> patch(const std::string& path, const std::string& api_version, const Json& body) override;
    ApiResult<Json> remove(const std::string& path, const std::string& api_version, const Query& query) override;
    ApiResult<WriteStarted> begin_put(const std::string& path, const std::string& api_version,
                                      const Json& body) override;
    ApiResult<WriteStarted> begin_patch(const std::string& path, const std::string& api_version,
                                        const Json& body) override;
    ApiResult<WriteStarted> begin_remove(const std::string& path, const std::string& api_version,
                                         const Query& query) override;

    ArmClient& client() { return *m_client; }

private:
    std::shared_ptr<ArmClient> m_client;
};

}  // namespace converge
#endif
