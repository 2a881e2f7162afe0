#pragma once
// Online endpoints: keys, tokens and scoring, shared by online.cpp, online_keys.cpp and
// scoring_route.cpp.
#include "platform/registry.hpp"

#include <string>

namespace emulator {

/// "Microsoft.MachineLearningServices/workspaces/onlineEndpoints".
inline const std::string k_endpoint_type = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";
/// "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments".
inline const std::string k_deployment_type = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments";

/// Server-field hook: gives an endpoint its primary and secondary keys (from properties.keys
/// when sent, else random), kept in the record's secrets.
void endpoint_keys(WriteContext& w);
/// POST .../onlineEndpoints/{e}/listKeys -> {primaryKey, secondaryKey}.
Response list_endpoint_keys(Context& ctx);
/// POST .../onlineEndpoints/{e}/regenerateKeys {keyType, keyValue?} -> 202 + Location.
Response regenerate_endpoint_keys(Context& ctx);
/// POST .../onlineEndpoints/{e}/token -> EndpointAuthToken (AMLToken endpoints).
Response endpoint_token(Context& ctx);
/// The scoring routes: POST <scoringUri>, GET <swaggerUri>.
void install_scoring(Registry& registry);

}  // namespace emulator
