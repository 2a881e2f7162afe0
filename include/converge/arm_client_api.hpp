#pragma once
// ArmApi over the real ArmClient: what observe and apply use outside tests.
#include "converge/arm_api.hpp"
#include "converge/arm_client.hpp"

#include <memory>

namespace converge {

/// Forwards reads to an ArmClient (which retries and paces) and starts writes with
/// ArmClient::begin, whose LroOperation is the operation the caller polls.
class ArmClientApi : public ArmApi {
public:
    explicit ArmClientApi(std::shared_ptr<ArmClient> client) : m_client(std::move(client)) {}

    ApiResult<Json> get(const std::string& path, const std::string& api_version) override;
    ApiResult<std::vector<Json>> list(const std::string& path, const std::string& api_version,
                                      const Query& query) override;
    ApiResult<std::unique_ptr<Operation>> begin(const WriteRequest& request) override;
    ApiResult<DataResponse> send_data(const DataRequest& request) override;
    ApiResult<ArmReply> post_query(const std::string& path, const std::string& api_version, const Json& body) override;

    ArmClient& client() { return *m_client; }

private:
    std::shared_ptr<ArmClient> m_client;
};

/// The client's call options for a request's extra query.
CallOptions call_options(const Query& query);

}  // namespace converge
