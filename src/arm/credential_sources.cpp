// The credentials that fetch tokens over HTTP or from the Azure CLI, and the default chain.
#include "converge/credentials.hpp"

#include "arm/client_assertion.hpp"

#include "converge/json.hpp"
#include "converge/redact.hpp"
#include "converge/retry.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace converge {

namespace {
std::string trim_slash(std::string text) {
    while (!text.empty() && text.back() == '/') {
        text.pop_back();
    }
    return text;
}

// "https://management.azure.com" -> "https://management.azure.com/.default".
std::string scope_for(const std::string& audience) { return trim_slash(audience) + "/.default"; }

AuthError unavailable(const std::string& credential, std::string message) {
    AuthError error{credential, "", std::move(message)};
    error.unavailable = true;
    return error;
}

// Token endpoints are retried on 429/5xx/connect failures: a token request is idempotent.
HttpResponse send_token_request(Transport& transport, Clock& clock, const HttpRequest& request) {
    HttpResponse response;
    for (int attempt = 1; attempt <= 3; ++attempt) {
        response = transport.send(request);
        const bool retry = response.has_response() ? is_retryable_status(response.status)
                                                   : is_retryable_transport(response.error, true);
        if (!retry || attempt == 3) {
            break;
        }
        clock.sleep_for(retry_after(response.headers).value_or(std::chrono::seconds(attempt)));
    }
    return response;
}

tl::expected<AccessToken, AuthError> token_from(const std::string& credential, const HttpResponse& response,
                                                std::int64_t now, const std::vector<std::string>& secrets) {
    if (!response.has_response()) {
        AuthError error{credential, std::string(to_string(response.error)),
                        redact_text(response.error_message, secrets)};
        error.retryable = true;
        return tl::unexpected(error);
    }
    auto token = parse_token_response(credential, response.status, response.body, now);
    if (!token) {
        token.error().message = redact_text(token.error().message, secrets);
    }
    return token;
}

std::string read_file_trimmed(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

// AZURE_CLIENT_SECRET_FILE holds the bare secret, or a JSON object such as the emulator's
// credentials.json ({"tenantId", "clientId", "clientSecret"}) that may also fill the ids.
void read_secret_file(const std::string& path, std::optional<std::string>& tenant, std::optional<std::string>& client,
                      std::optional<std::string>& secret) {
    const std::string text = read_file_trimmed(path);
    if (text.empty()) {
        return;
    }
    if (text.front() == '{') {
        const Json parsed = Json::parse(text, nullptr, false);
        if (parsed.is_object() && parsed.contains("clientSecret") && parsed["clientSecret"].is_string()) {
            secret = parsed["clientSecret"].get<std::string>();
            if (!tenant && parsed.contains("tenantId") && parsed["tenantId"].is_string()) {
                tenant = parsed["tenantId"].get<std::string>();
            }
            if (!client && parsed.contains("clientId") && parsed["clientId"].is_string()) {
                client = parsed["clientId"].get<std::string>();
            }
            return;
        }
    }
    secret = text;
}
}  // namespace

namespace {
constexpr const char* k_jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// The token endpoint of a tenant: v2 (scope=) or v1 (resource=).
std::string token_endpoint(const std::string& authority_host, const std::string& tenant, bool use_v1) {
    return trim_slash(authority_host) + "/" + url_encode(tenant) + (use_v1 ? "/oauth2/token" : "/oauth2/v2.0/token");
}

// POST grant_type=client_credentials with the client's authentication (`auth`: the secret or the
// assertion fields, already form-encoded) for `audience`.
tl::expected<AccessToken, AuthError> client_credentials_grant(const std::string& credential, Transport& transport,
                                                              Clock& clock, const std::string& endpoint,
                                                              const std::string& client_id, bool use_v1,
                                                              const std::string& auth, const std::string& audience,
                                                              const std::vector<std::string>& secrets) {
    HttpRequest request;
    request.method = "POST";
    request.url = endpoint;
    request.headers.set("Content-Type", "application/x-www-form-urlencoded");
    request.headers.set("Accept", "application/json");
    request.body = "grant_type=client_credentials&client_id=" + url_encode(client_id) + "&" + auth;
    request.body += use_v1 ? "&resource=" + url_encode(audience) : "&scope=" + url_encode(scope_for(audience));
    auto response = send_token_request(transport, clock, request);
    return token_from(credential, response, clock.epoch_seconds(), secrets);
}

std::string assertion_form(const std::string& assertion) {
    return std::string("client_assertion_type=") + url_encode(k_jwt_bearer) + "&client_assertion=" + url_encode(assertion);
}
}  // namespace

EnvironmentCredential::EnvironmentCredential(std::optional<ServicePrincipal> principal,
                                             std::shared_ptr<Transport> transport, std::shared_ptr<Clock> clock)
    : m_principal(std::move(principal)), m_transport(std::move(transport)), m_clock(std::move(clock)) {}

EnvironmentCredential::~EnvironmentCredential() = default;

std::unique_ptr<EnvironmentCredential> EnvironmentCredential::from_env(const EnvLookup& env,
                                                                       std::string authority_host, bool use_v1,
                                                                       std::shared_ptr<Transport> transport,
                                                                       std::shared_ptr<Clock> clock) {
    auto tenant = env("AZURE_TENANT_ID");
    auto client = env("AZURE_CLIENT_ID");
    auto secret = env("AZURE_CLIENT_SECRET");
    if (!secret) {
        if (auto file = env("AZURE_CLIENT_SECRET_FILE")) {
            read_secret_file(*file, tenant, client, secret);
        }
    }
    const auto certificate = env("AZURE_CLIENT_CERTIFICATE_PATH");
    std::optional<ServicePrincipal> principal;
    if (tenant && client && (secret || certificate)) {
        principal = ServicePrincipal{std::move(authority_host), *tenant, *client, secret.value_or(""), use_v1};
        if (!secret) {
            principal->certificate_path = *certificate;
            principal->certificate_password = env("AZURE_CLIENT_CERTIFICATE_PASSWORD").value_or("");
        }
    }
    return std::make_unique<EnvironmentCredential>(std::move(principal), std::move(transport), std::move(clock));
}

std::vector<std::string> EnvironmentCredential::secrets() const {
    if (!m_principal) {
        return {};
    }
    std::vector<std::string> out;
    for (const std::string* s : {&m_principal->client_secret, &m_principal->certificate_password}) {
        if (!s->empty()) {
            out.push_back(*s);
        }
    }
    std::lock_guard lock(m_mutex);
    if (!m_last_assertion.empty()) {
        out.push_back(m_last_assertion);
    }
    return out;
}

tl::expected<AccessToken, AuthError> EnvironmentCredential::get_token(const std::string& audience) {
    if (!m_principal) {
        return tl::unexpected(unavailable(
            name(), "not configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, AZURE_CLIENT_SECRET_FILE "
                    "or AZURE_CLIENT_CERTIFICATE_PATH not set)"));
    }
    const auto& p = *m_principal;
    const std::string endpoint = token_endpoint(p.authority_host, p.tenant_id, p.use_v1);
    if (!p.client_secret.empty() || p.certificate_path.empty()) {
        return client_credentials_grant(name(), *m_transport, *m_clock, endpoint, p.client_id, p.use_v1,
                                        "client_secret=" + url_encode(p.client_secret), audience, secrets());
    }
    std::shared_ptr<const ClientCertificate> certificate;
    {
        std::lock_guard lock(m_mutex);
        if (!m_certificate) {
            auto loaded = ClientCertificate::load(p.certificate_path, p.certificate_password);
            if (!loaded) {
                return tl::unexpected(AuthError{name(), "", "AZURE_CLIENT_CERTIFICATE_PATH: " + loaded.error()});
            }
            m_certificate = *loaded;
        }
        certificate = m_certificate;
    }
    std::string assertion;
    try {
        assertion = certificate->assertion(p.client_id, endpoint, m_clock->epoch_seconds());
    } catch (const std::exception& e) {
        return tl::unexpected(AuthError{name(), "", e.what()});
    }
    {
        std::lock_guard lock(m_mutex);
        m_last_assertion = assertion;
    }
    return client_credentials_grant(name(), *m_transport, *m_clock, endpoint, p.client_id, p.use_v1,
                                    assertion_form(assertion), audience, secrets());
}

WorkloadIdentityCredential::WorkloadIdentityCredential(std::optional<Config> config,
                                                       std::shared_ptr<Transport> transport,
                                                       std::shared_ptr<Clock> clock)
    : m_config(std::move(config)), m_transport(std::move(transport)), m_clock(std::move(clock)) {}

std::unique_ptr<WorkloadIdentityCredential> WorkloadIdentityCredential::from_env(const EnvLookup& env,
                                                                                 std::string authority_host,
                                                                                 bool use_v1,
                                                                                 std::shared_ptr<Transport> transport,
                                                                                 std::shared_ptr<Clock> clock) {
    auto tenant = env("AZURE_TENANT_ID");
    auto client = env("AZURE_CLIENT_ID");
    auto file = env("AZURE_FEDERATED_TOKEN_FILE");
    std::optional<Config> config;
    if (tenant && client && file) {
        config = Config{std::move(authority_host), *tenant, *client, *file, use_v1};
    }
    return std::make_unique<WorkloadIdentityCredential>(std::move(config), std::move(transport), std::move(clock));
}

std::vector<std::string> WorkloadIdentityCredential::secrets() const {
    std::lock_guard lock(m_mutex);
    return m_last_token.empty() ? std::vector<std::string>{} : std::vector<std::string>{m_last_token};
}

tl::expected<AccessToken, AuthError> WorkloadIdentityCredential::get_token(const std::string& audience) {
    if (!m_config) {
        return tl::unexpected(
            unavailable(name(), "not configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE not set)"));
    }
    const auto& c = *m_config;
    // Read on every request: the platform (kubelet, the CI runner) replaces the file before the
    // token in it expires.
    std::ifstream in(c.token_file, std::ios::binary);
    if (!in) {
        return tl::unexpected(AuthError{name(), "", "cannot read AZURE_FEDERATED_TOKEN_FILE " + c.token_file});
    }
    const std::string token = read_file_trimmed(c.token_file);
    if (token.empty()) {
        return tl::unexpected(AuthError{name(), "", "AZURE_FEDERATED_TOKEN_FILE " + c.token_file + " is empty"});
    }
    {
        std::lock_guard lock(m_mutex);
        m_last_token = token;
    }
    return client_credentials_grant(name(), *m_transport, *m_clock, token_endpoint(c.authority_host, c.tenant_id, c.use_v1),
                                    c.client_id, c.use_v1, assertion_form(token), audience, {token});
}

ManagedIdentityCredential::ManagedIdentityCredential(Config config, std::shared_ptr<Transport> transport,
                                                     std::shared_ptr<Clock> clock)
    : m_config(std::move(config)), m_transport(std::move(transport)), m_clock(std::move(clock)) {}

tl::expected<AccessToken, AuthError> ManagedIdentityCredential::get_token(const std::string& audience) {
    HttpRequest request;
    request.method = "GET";
    const std::string resource = "resource=" + url_encode(audience);
    std::string client = m_config.client_id.empty() ? "" : "&client_id=" + url_encode(m_config.client_id);
    if (!m_config.identity_endpoint.empty()) {
        request.url = m_config.identity_endpoint + "?api-version=2019-08-01&" + resource + client;
        request.headers.set("X-IDENTITY-HEADER", m_config.identity_header);
    } else {
        request.url = m_config.imds_endpoint + "?api-version=2018-02-01&" + resource + client;
        request.headers.set("Metadata", "true");
    }
    // Probed once: an endpoint that does not answer means no managed identity here (off Azure),
    // not a failure to retry.
    auto response = m_transport->send(request);
    if (!response.has_response() &&
        (response.error == TransportError::connect || response.error == TransportError::timeout)) {
        return tl::unexpected(unavailable(name(), "not available (" + request.url.substr(0, request.url.find('?')) +
                                                      " not reachable)"));
    }
    if (response.has_response() ? is_retryable_status(response.status) : is_retryable_transport(response.error, true)) {
        response = send_token_request(*m_transport, *m_clock, request);
    }
    return token_from(name(), response, m_clock->epoch_seconds(), {m_config.identity_header});
}

std::shared_ptr<ChainedCredential> make_default_credential(const CredentialOptions& options, const EnvLookup& env,
                                                           std::shared_ptr<Transport> transport,
                                                           std::shared_ptr<Clock> clock, ProcessRunner runner) {
    std::vector<std::unique_ptr<TokenCredential>> chain;
    std::string static_token = options.static_token;
    // An explicit principal (e.g. --emulator's) is deliberate; a stray environment token must
    // not shadow it.
    if (static_token.empty() && !options.service_principal) {
        static_token = env("CONVERGE_ACCESS_TOKEN").value_or("");
    }
    if (!static_token.empty()) {
        chain.push_back(std::make_unique<StaticTokenCredential>(static_token));
    }
    std::string authority = options.authority_host;
    if (authority.empty()) {
        authority = env("AZURE_AUTHORITY_HOST").value_or("https://login.microsoftonline.com");
    }
    const bool v1 = options.aad_v1 || env("CONVERGE_AAD_V1").value_or("") == "1";
    if (options.service_principal) {
        ServicePrincipal principal = *options.service_principal;
        if (principal.authority_host.empty()) {
            principal.authority_host = authority;
        }
        chain.push_back(std::make_unique<EnvironmentCredential>(principal, transport, clock));
    } else {
        chain.push_back(EnvironmentCredential::from_env(env, authority, v1, transport, clock));
        chain.push_back(WorkloadIdentityCredential::from_env(env, authority, v1, transport, clock));
    }
    // Managed identity only where the platform says it exists, or when asked: probing IMDS
    // off Azure costs a timeout and contacts a link-local address we must not touch.
    ManagedIdentityCredential::Config mi;
    mi.client_id = env("AZURE_CLIENT_ID").value_or("");
    if (auto endpoint = env("IDENTITY_ENDPOINT")) {
        mi.identity_endpoint = *endpoint;
        mi.identity_header = env("IDENTITY_HEADER").value_or("");
    }
    const bool mi_enabled = !mi.identity_endpoint.empty() || options.managed_identity ||
                            env("CONVERGE_MANAGED_IDENTITY").value_or("") == "1";
    if (mi_enabled) {
        chain.push_back(std::make_unique<ManagedIdentityCredential>(mi, transport, clock));
    }
    if (options.azure_cli) {
        chain.push_back(std::make_unique<AzureCliCredential>(std::move(runner), clock));
    }
    return std::make_shared<ChainedCredential>(std::move(chain));
}

}  // namespace converge
