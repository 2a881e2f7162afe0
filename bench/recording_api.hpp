#pragma once
// The ArmApi observe and apply talk through, on an ArmClient, recording every long-running
// operation (resource type, polls, elapsed) so the bench can compare polls with the bound.
#include "converge/arm_api.hpp"
#include "converge/arm_client.hpp"
#include "converge/arm_client_api.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bench {

/// One operation that needed polling.
struct LroRecord {
    std::string type;    ///< ARM type of the resource ("Microsoft.MachineLearningServices/workspaces/computes")
    std::string method;  ///< "PUT", "PATCH", "DELETE"
    int polls = 0;
    double seconds = 0;
};

/// ArmApi over an ArmClient; thread-safe like the client.
class RecordingApi : public converge::ArmApi {
public:
    explicit RecordingApi(std::shared_ptr<converge::ArmClient> client);

    converge::ApiResult<converge::Json> get(const std::string& path, const std::string& api_version) override;
    converge::ApiResult<std::vector<converge::Json>> list(const std::string& path, const std::string& api_version,
                                                          const converge::Query& query) override;
    /// The write through ArmClient::begin; its operation is recorded when it ends.
    converge::ApiResult<std::unique_ptr<converge::Operation>> begin(const converge::WriteRequest& request) override;

    /// Every operation that polled at least once, in completion order.
    std::vector<LroRecord> lros() const;
    converge::ArmClient& client() { return *m_client; }

private:
    void record(const std::string& method, const std::string& path, const converge::LroReport& report);

    std::shared_ptr<converge::ArmClient> m_client;
    mutable std::mutex m_mutex;
    std::vector<LroRecord> m_lros;
};

}  // namespace bench
