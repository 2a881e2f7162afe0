#pragma once
// Building a ready ArmClient from options and the environment (the CLI's one call).
#include "converge/arm_client.hpp"
#include "converge/credentials.hpp"

#include <memory>
#include <string>

namespace converge {

/// Defaults overridden by the environment: CONVERGE_ARM_ENDPOINT, AZURE_AUTHORITY_HOST,
/// CONVERGE_CA_BUNDLE / SSL_CERT_FILE / CURL_CA_BUNDLE, CONVERGE_ACCESS_TOKEN,
/// CONVERGE_MANAGED_IDENTITY=1, CONVERGE_AAD_V1=1. Flags applied afterwards win.
ClientOptions client_options_from_env(const EnvLookup& env = process_env());

/// A plain Transport with the client's TLS options (CA bundle, timeouts, user agent) and no
/// credential: for requests that must not carry an Azure token (sync's --notify webhook).
std::shared_ptr<Transport> make_transport(const ClientOptions& options);

/// An ArmClient on a CurlTransport with the default credential chain; an error message
/// (e.g. unreadable CA bundle, bad endpoint URL) when the options cannot work.
tl::expected<std::shared_ptr<ArmClient>, std::string> make_arm_client(const ClientOptions& options,
                                                                      const EnvLookup& env = process_env());

}  // namespace converge
