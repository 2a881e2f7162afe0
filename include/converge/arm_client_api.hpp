#pragma once
// ArmApi over the real ArmClient: what observe and apply use outside tests.
#include "converge/arm_api.hpp"

#if __has_include("converge/arm_client.hpp")
#include "converge/arm_client.hpp"

#include <memory>

namespace converge {

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

    ArmClient& client() { return *m_client; }

private:
    std::shared_ptr<ArmClient> m_client;
};

}  // namespace converge
#endif
