#include "converge/client_factory.hpp"

#include "arm/curl_transport.hpp"

#include <fstream>

namespace converge {

ClientOptions client_options_from_env(const EnvLookup& env) {
    ClientOptions options;
    if (auto endpoint = env("CONVERGE_ARM_ENDPOINT")) {
        options.arm_endpoint = *endpoint;
    }
    if (auto audience = env("CONVERGE_ARM_AUDIENCE")) {
        options.arm_audience = *audience;
    }
    for (const char* name : {"CONVERGE_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"}) {
        if (auto bundle = env(name); bundle && options.ca_bundle.empty()) {
            options.ca_bundle = *bundle;
        }
    }
    if (auto authority = env("AZURE_AUTHORITY_HOST")) {
        options.credentials.authority_host = *authority;
    }
    options.credentials.aad_v1 = env("CONVERGE_AAD_V1").value_or("") == "1";
    options.credentials.managed_identity = env("CONVERGE_MANAGED_IDENTITY").value_or("") == "1";
    options.credentials.static_token = env("CONVERGE_ACCESS_TOKEN").value_or("");
    return options;
}

std::shared_ptr<Transport> make_transport(const ClientOptions& options) {
    CurlOptions curl;
    curl.ca_bundle = options.ca_bundle;
    curl.connect_timeout = options.connect_timeout;
    curl.request_timeout = options.request_timeout;
    curl.max_response_bytes = options.max_response_bytes;
    curl.stall_timeout = options.stall_timeout;
    curl.max_connections = options.max_connections;
    curl.http2 = options.http2;
    curl.user_agent = options.user_agent;
    return std::make_shared<CurlTransport>(curl);
}

tl::expected<std::shared_ptr<ArmClient>, std::string> make_arm_client(const ClientOptions& options,
                                                                      const EnvLookup& env) {
    if (!options.arm_endpoint.starts_with("https://") && !is_loopback_url(options.arm_endpoint)) {
        return tl::unexpected("arm endpoint must be an https:// URL (plain http only on loopback): " +
                              options.arm_endpoint);
    }
    if (!options.ca_bundle.empty() && !std::ifstream(options.ca_bundle)) {
        return tl::unexpected("cannot read CA bundle " + options.ca_bundle);
    }
    auto transport = make_transport(options);
    auto clock = std::make_shared<SystemClock>();
    auto credential = make_default_credential(options.credentials, env, transport, clock, system_process_runner());
    return std::make_shared<ArmClient>(options, transport, credential, clock, std::make_shared<DefaultRandom>());
}

}  // namespace converge
