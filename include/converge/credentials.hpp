#pragma once
// Where access tokens come from: the Azure SDKs' default chain (environment service principal
// with a secret or a certificate, workload identity federation, managed identity when on Azure,
// Azure CLI) plus a static token, with a cache per audience that refreshes before expiry.
#include "converge/clock.hpp"
#include "converge/http.hpp"

#include <tl/expected.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace converge {

/// A bearer token and when it stops working (Unix seconds; 0 = unknown, never refreshed).
struct AccessToken {
    std::string token;
    std::int64_t expires_on = 0;
};

/// Why no token came back. `unavailable` means "not configured here, try the next one".
struct AuthError {
    std::string credential;   ///< "environment", "azure-cli", "managed-identity", "static-token"
    std::string code;         ///< AADSTS code or error ("invalid_client", "AADSTS7000215")
    std::string message;      ///< description, redacted
    bool unavailable = false;
    bool retryable = false;

    /// One line: "environment: invalid_client: AADSTS7000215: Invalid client secret ...".
    std::string to_string() const;
};

/// Something that can mint tokens for an audience such as "https://management.azure.com".
class TokenCredential {
public:
    virtual ~TokenCredential() = default;
    /// Short stable name used in -v output and errors.
    virtual std::string name() const = 0;
    /// A fresh token for `audience` (no caching here; see TokenCache).
    virtual tl::expected<AccessToken, AuthError> get_token(const std::string& audience) = 0;
    /// Values this credential sends that must never be printed (secret, password, assertions,
    /// the federated token), so that errors and logs can be scrubbed of them.
    virtual std::vector<std::string> secrets() const { return {}; }
    /// The subscription the credential's login names (the Azure CLI's current one), if any.
    virtual std::optional<std::string> default_subscription() const { return std::nullopt; }
};

/// Reads an environment variable; injectable so tests control the environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
EnvLookup process_env();

/// Parses a token endpoint/IMDS/CLI JSON body; expires_in/expires_on as numbers or strings.
tl::expected<AccessToken, AuthError> parse_token_response(const std::string& credential,
                                                          int status, const std::string& body,
                                                          std::int64_t now_epoch);

/// Client-credentials grant against AAD (v2 scope, or v1 resource when asked), authenticated
/// with a secret or, when there is none, with a certificate (a signed client assertion).
struct ServicePrincipal {
    std::string authority_host = "https://login.microsoftonline.com";
    std::string tenant_id;
    std::string client_id;
    std::string client_secret;
    bool use_v1 = false;  ///< POST /{tenant}/oauth2/token with resource= instead of v2 scope
    std::string certificate_path;      ///< PEM (certificate and private key) or PKCS#12; used without a secret
    std::string certificate_password;  ///< of the PKCS#12 file or the encrypted PEM key
};

class ClientCertificate;  // src/arm/client_assertion.hpp

/// Service principal from AZURE_TENANT_ID / AZURE_CLIENT_ID and AZURE_CLIENT_SECRET[_FILE], or
/// AZURE_CLIENT_CERTIFICATE_PATH [+ AZURE_CLIENT_CERTIFICATE_PASSWORD] (the secret wins, as in
/// the Azure SDKs).
class EnvironmentCredential final : public TokenCredential {
public:
    EnvironmentCredential(std::optional<ServicePrincipal> principal, std::shared_ptr<Transport> transport,
                          std::shared_ptr<Clock> clock);
    ~EnvironmentCredential() override;
    /// Reads the variables; unavailable (not an error) when they are absent.
    static std::unique_ptr<EnvironmentCredential> from_env(const EnvLookup& env, std::string authority_host,
                                                           bool use_v1,
                                                           std::shared_ptr<Transport> transport, std::shared_ptr<Clock> clock);
    std::string name() const override { return "environment"; }
    tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override;
    /// The secret, the certificate's password and the last assertion, so loggers can redact them.
    std::vector<std::string> secrets() const override;

private:
    std::optional<ServicePrincipal> m_principal;
    std::shared_ptr<Transport> m_transport;
    std::shared_ptr<Clock> m_clock;
    mutable std::mutex m_mutex;
    std::shared_ptr<const ClientCertificate> m_certificate;  // loaded on first use
    std::string m_last_assertion;
};

/// Workload identity federation (GitHub Actions OIDC, AKS workload identity): the token in
/// AZURE_FEDERATED_TOKEN_FILE, read again on every request (the platform rotates it), is the
/// client assertion of a client-credentials grant for AZURE_CLIENT_ID in AZURE_TENANT_ID.
class WorkloadIdentityCredential final : public TokenCredential {
public:
    struct Config {
        std::string authority_host = "https://login.microsoftonline.com";
        std::string tenant_id;
        std::string client_id;
        std::string token_file;
        bool use_v1 = false;
    };
    WorkloadIdentityCredential(std::optional<Config> config, std::shared_ptr<Transport> transport,
                               std::shared_ptr<Clock> clock);
    /// Unavailable (not an error) unless all three variables are set.
    static std::unique_ptr<WorkloadIdentityCredential> from_env(const EnvLookup& env, std::string authority_host,
                                                                bool use_v1, std::shared_ptr<Transport> transport,
                                                                std::shared_ptr<Clock> clock);
    std::string name() const override { return "workload-identity"; }
    tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override;
    /// The last federated token read.
    std::vector<std::string> secrets() const override;

private:
    std::optional<Config> m_config;
    std::shared_ptr<Transport> m_transport;
    std::shared_ptr<Clock> m_clock;
    mutable std::mutex m_mutex;
    std::string m_last_token;
};

/// Output of a child process.
struct ProcessResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs a program with arguments (no shell). Injectable for tests.
using ProcessRunner = std::function<ProcessResult(const std::vector<std::string>&)>;

/// Runs programs for real with fork/exec; exit_code 127 when the program is missing.
ProcessRunner system_process_runner();

/// `az account get-access-token --resource <audience> -o json`. When `az` is missing or not
/// logged in, that answer is remembered: `az` is not run again by this credential.
class AzureCliCredential final : public TokenCredential {
public:
    AzureCliCredential(ProcessRunner runner, std::shared_ptr<Clock> clock) : m_runner(std::move(runner)), m_clock(std::move(clock)) {}
    std::string name() const override { return "azure-cli"; }
    tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override;
    /// The `subscription` of the last token `az` printed (its current account).
    std::optional<std::string> default_subscription() const override;

private:
    ProcessRunner m_runner;
    std::shared_ptr<Clock> m_clock;
    mutable std::mutex m_mutex;
    std::optional<AuthError> m_unavailable;
    std::string m_subscription;
};

/// Managed identity: App Service/Arc style IDENTITY_ENDPOINT + IDENTITY_HEADER, or IMDS.
/// IMDS is only contacted when explicitly enabled (never probed by default).
class ManagedIdentityCredential final : public TokenCredential {
public:
    struct Config {
        std::string identity_endpoint;  ///< IDENTITY_ENDPOINT; empty = IMDS
        std::string identity_header;    ///< IDENTITY_HEADER
        std::string imds_endpoint = "http://169.254.169.254/metadata/identity/oauth2/token";
        std::string client_id;          ///< user-assigned identity (AZURE_CLIENT_ID)
    };
    ManagedIdentityCredential(Config config, std::shared_ptr<Transport> transport, std::shared_ptr<Clock> clock);
    std::string name() const override { return "managed-identity"; }
    tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override;

private:
    Config m_config;
    std::shared_ptr<Transport> m_transport;
    std::shared_ptr<Clock> m_clock;
};

/// A token given as-is (CONVERGE_ACCESS_TOKEN): same token for every audience.
class StaticTokenCredential final : public TokenCredential {
public:
    explicit StaticTokenCredential(std::string token) : m_token(std::move(token)) {}
    std::string name() const override { return "static-token"; }
    tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override;

private:
    std::string m_token;
};

/// Tries credentials in order; skips `unavailable` ones, stops at the first real error. A
/// credential found unavailable is not asked again (its reason is kept for the error), so a
/// chain where nothing works fails at once on every later request.
class ChainedCredential final : public TokenCredential {
public:
    explicit ChainedCredential(std::vector<std::unique_ptr<TokenCredential>> chain);
    std::string name() const override;
    tl::expected<AccessToken, AuthError> get_token(const std::string& audience) override;
    std::vector<std::string> secrets() const override;
    /// The subscription of the credential that worked (the Azure CLI's), if any.
    std::optional<std::string> default_subscription() const override;
    /// Names of the credentials in order.
    std::vector<std::string> names() const;

private:
    std::vector<std::unique_ptr<TokenCredential>> m_chain;
    mutable std::mutex m_mutex;
    TokenCredential* m_last_good = nullptr;  // the one that worked, tried first next time
    std::map<const TokenCredential*, AuthError> m_unavailable;
};

/// Caches one token per audience; refreshes `refresh_margin` before expiry or when told
/// the token was rejected. Thread-safe; concurrent callers share one fetch.
class TokenCache {
public:
    TokenCache(std::shared_ptr<TokenCredential> credential, std::shared_ptr<Clock> clock,
               std::chrono::seconds refresh_margin = std::chrono::seconds(300));
    /// A valid token for `audience`, fetching when missing or about to expire.
    tl::expected<AccessToken, AuthError> get(const std::string& audience);
    /// Forgets the token for `audience` if it is still `rejected` (after a 401).
    void invalidate(const std::string& audience, const std::string& rejected);
    /// How many times the credential was asked (tests, -v).
    int fetches() const;
    /// Name of the underlying credential.
    std::string credential_name() const { return m_credential->name(); }
    /// Every token handed out so far, for redaction.
    std::vector<std::string> known_tokens() const;

private:
    std::shared_ptr<TokenCredential> m_credential;
    std::shared_ptr<Clock> m_clock;
    std::chrono::seconds m_margin;
    mutable std::mutex m_mutex;
    std::map<std::string, AccessToken> m_tokens;
    std::vector<std::string> m_seen;
    int m_fetches = 0;
};

/// Which credentials the default chain may use.
struct CredentialOptions {
    std::string authority_host;         ///< AAD host; empty = AZURE_AUTHORITY_HOST or public cloud
    bool aad_v1 = false;                ///< use the v1 token endpoint (resource=)
    bool managed_identity = false;      ///< allow IMDS even without IDENTITY_ENDPOINT
    bool azure_cli = true;              ///< allow `az account get-access-token`
    std::string static_token;           ///< overrides everything when set
    std::optional<ServicePrincipal> service_principal;  ///< explicit principal (e.g. the emulator's)
};

/// The default chain: static token (CONVERGE_ACCESS_TOKEN), environment service principal
/// (secret, then certificate), workload identity (AZURE_FEDERATED_TOKEN_FILE), managed identity
/// (only with IDENTITY_ENDPOINT or opted in), Azure CLI — the Azure SDKs' order.
std::shared_ptr<ChainedCredential> make_default_credential(const CredentialOptions& options,
                                                           const EnvLookup& env,
                                                           std::shared_ptr<Transport> transport,
                                                           std::shared_ptr<Clock> clock, ProcessRunner runner);

}  // namespace converge
