#pragma once
// Scoring an online endpoint: its scoringUri, its key (listKeys) or token, one POST. The key
// stays inside: it is in no returned value, message or log line. Used by `converge score` and
// by apply's smoke tests (an OnlineEndpoint's `smokeTest:`).
#include "converge/arm_api.hpp"
#include "converge/resource_id.hpp"

#include <string>

namespace converge {

/// One scoring call.
struct ScoreRequest {
    ResourceId endpoint;
    std::string api_version;  ///< of the endpoint's ARM calls (2025-12-01)
    std::string deployment;   ///< sent as azureml-model-deployment when not empty
    std::string body;         ///< the request body, usually JSON
};

/// GET the endpoint (scoringUri, authMode), listKeys (Key) or token (AMLToken), then POST the
/// body to the scoringUri. Any HTTP status is a DataResponse; an error when the endpoint cannot
/// be read, has no scoringUri, uses an auth mode converge cannot send, or no answer came.
ApiResult<DataResponse> score_endpoint(ArmApi& api, const ScoreRequest& request);

/// Checks an answer against a smokeTest (expectedStatus, default 200; jsonPath and
/// expectedValue): empty when it matches, else what differed ("status 500, expected 200").
std::string smoke_test_mismatch(const Json& smoke_test, const DataResponse& response);

/// The request body of a smokeTest (`request:`, sent as JSON text).
std::string smoke_test_body(const Json& smoke_test);

}  // namespace converge
