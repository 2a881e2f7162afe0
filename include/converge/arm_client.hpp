#pragma once
// The one way converge talks to Azure: ARM (and the regional Azure ML API through absolute
// URLs) with tokens, pacing, retries, long-running operations and pagination handled.
// Thread-safe: observe/apply call it from many threads at once.
#include "converge/api_error.hpp"
#include "converge/clock.hpp"
#include "converge/credentials.hpp"
#include "converge/http.hpp"
#include "converge/json.hpp"
#include "converge/operation_state.hpp"
#include "converge/pacing.hpp"
#include "converge/retry.hpp"

#include <tl/expected.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace converge {

/// Where the final result of a long-running operation comes from (OpenAPI
/// x-ms-long-running-operation-options.final-state-via).
enum class FinalStateVia {
    automatic,              ///< PUT/PATCH: original URI; DELETE: none; POST: Location if given
    location,               ///< GET the Location URL after the status says Succeeded
    original_uri,           ///< GET the request URL after the operation ends
    azure_async_operation,  ///< the status body itself
};

/// Per-call options; the defaults are right for almost every call.
struct CallOptions {
    std::vector<std::pair<std::string, std::string>> query;  ///< extra query parameters
    HttpHeaders headers;          ///< extra headers (If-Match, ...)
    std::string audience;         ///< token audience; empty = ARM's (options().arm_audience)
    bool token = true;            ///< false: no bearer token (the caller's own Authorization header)
    bool idempotent = false;      ///< POST only: safe to retry on 5xx/timeouts
    bool wait = true;             ///< false: return the initial response, do not poll
    FinalStateVia final_state_via = FinalStateVia::automatic;
    std::optional<std::chrono::milliseconds> lro_timeout;  ///< default: options().lro_timeout
    LroReport* report = nullptr;  ///< filled when the operation ends, when not null
    std::function<void(const LroReport&)> on_end;  ///< called once when the operation ends
};

/// One line of -v output: one HTTP request as sent (after pacing), redacted.
struct RequestEvent {
    std::string method;
    std::string path;               ///< path and query (secrets redacted); absolute for non-ARM hosts
    int status = 0;                 ///< 0 when no response
    TransportError error = TransportError::none;
    std::string error_message;
    std::chrono::milliseconds duration{0};
    int attempt = 1;                ///< 1 = first try
    std::string request_id;         ///< x-ms-request-id
    bool poll = false;              ///< an LRO status/Location/resource poll
    std::chrono::milliseconds paced{0};  ///< time spent waiting for a pacing token
    std::string credential;         ///< credential that supplied the token

    /// "GET /subscriptions/s/resourceGroups?api-version=... -> 200 (12 ms)" plus attempt,
    /// poll, pacing and request id when relevant.
    std::string to_string() const;
};

/// Counters since the client was made (a snapshot).
struct ClientStats {
    long reads = 0;      ///< GET/HEAD sent, polls included
    long writes = 0;     ///< PUT/PATCH/POST sent
    long deletes = 0;    ///< DELETE sent
    long polls = 0;      ///< LRO polls (also counted in reads)
    long lros = 0;       ///< operations that needed polling
    long retries = 0;    ///< requests re-sent after a retryable failure
    long throttled = 0;  ///< 429 responses seen
    long auth_refreshes = 0;  ///< tokens refreshed after a 401
    /// All requests sent.
    long total() const { return reads + writes + deletes; }
};

/// Hosts that may receive tokens for one audience besides ARM's (whose only host is the ARM
/// endpoint's origin). A host matches a suffix that starts with '.' when it ends with it
/// ("westeurope.api.azureml.ms" matches ".api.azureml.ms"), else when it equals it; https only.
struct TokenHosts {
    std::string audience;                    ///< e.g. "https://ml.azure.com" (a trailing '/' is ignored)
    std::vector<std::string> hosts;          ///< ".api.azureml.ms", "ml.azure.com", ...
};

/// The Azure public cloud's table: Azure ML's regional hosts (*.api.azureml.ms) for
/// https://ml.azure.com, blob hosts (*.blob.core.windows.net) for https://storage.azure.com.
std::vector<TokenHosts> azure_public_token_hosts();

/// Everything configurable about the client. CLI flags and the environment fill it
/// (client_options_from_env, src/cli/client_options.hpp).
struct ClientOptions {
    std::string arm_endpoint = "https://management.azure.com";   ///< --arm-endpoint
    std::string arm_audience = "https://management.azure.com";   ///< token audience for ARM
    std::string ca_bundle;                                       ///< --ca-bundle, SSL_CERT_FILE, CURL_CA_BUNDLE
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{120'000};
    /// Largest response body, counted after decompression (and checked against Content-Length
    /// first); a bigger one is a transport error `too_large`, not retried.
    std::size_t max_response_bytes = std::size_t{64} << 20;
    /// A response that has started and then sends nothing for this long is a timeout.
    std::chrono::milliseconds stall_timeout{20'000};
    /// Pages `list` follows before it gives up (every nextLink seen is remembered: a cycle of
    /// any length is an error before this).
    int max_pages = 10'000;
    /// Bytes all pages of one `list` may add up to (each page is also under max_response_bytes).
    std::size_t max_list_bytes = std::size_t{512} << 20;
    /// Where tokens for audiences other than ARM's may go (see TokenHosts).
    std::vector<TokenHosts> token_hosts = azure_public_token_hosts();
    RetryPolicy retry;
    PacingOptions pacing;
    std::chrono::milliseconds lro_default_interval{60'000};      ///< poll wait when no Retry-After
    std::chrono::milliseconds lro_max_interval{600'000};         ///< cap of a poll wait
    std::chrono::milliseconds lro_timeout{3'600'000};            ///< per operation
    int max_connections = 32;                                    ///< connections kept for reuse
    int parallelism = 16;                                        ///< callers' in-flight requests
    bool http2 = true;
    std::string user_agent = "converge";
    /// Sent as x-ms-correlation-request-id with every ARM request of this client, so the Activity
    /// Log groups one converge run's writes (`correlationId eq '<id>'`, docs/activity-log.md).
    /// Empty: the client makes a random one (ArmClient::options() shows it).
    std::string correlation_id;
    CredentialOptions credentials;
    std::function<void(const RequestEvent&)> on_request;         ///< -v logging; called from any thread
    /// Warnings for the user (e.g. a URL on a host the token does not belong to, sent without
    /// it), each once per client; called from any thread. The client itself never prints.
    std::function<void(const std::string&)> on_warning;
};

/// True when a token for `audience` may be sent with a request to `url` under `options`: the
/// ARM audience to the ARM endpoint's origin; other audiences to their `token_hosts` over
/// https; any audience to the ARM endpoint's origin when it is loopback (the emulator serves
/// every Azure host at its one address).
bool token_belongs_to(const ClientOptions& options, std::string_view url, std::string_view audience);

class ArmClient;

/// A write whose long-running operation may still be running (made by ArmClient::begin),
/// followed by the rule of operation_state.hpp: see Operation for how to drive it.
class LroOperation final : public Operation {
public:
    struct State;
    explicit LroOperation(std::unique_ptr<State> state);
    ~LroOperation() override;
    LroOperation(const LroOperation&) = delete;
    LroOperation& operator=(const LroOperation&) = delete;

    bool done() const override;
    std::chrono::milliseconds wait() const override;
    /// Sends the next poll (one GET, paced and retried like any read).
    void poll() override;
    const ApiResult<Json>& result() const override;
    const LroReport& report() const override;

private:
    friend class ArmClient;
    std::unique_ptr<State> m_state;
};

/// Client for ARM and Azure ML. Paths are ARM paths ("/subscriptions/...") relative to
/// arm_endpoint, or absolute URLs (nextLink, discoveryUrl-derived regional hosts).
class ArmClient {
public:
    ArmClient(ClientOptions options, std::shared_ptr<Transport> transport,
              std::shared_ptr<TokenCredential> credential, std::shared_ptr<Clock> clock,
              std::shared_ptr<Random> random);
    ~ArmClient();
    ArmClient(const ArmClient&) = delete;
    ArmClient& operator=(const ArmClient&) = delete;

    /// GET a resource; a 404 is an ApiError with is_not_found().
    ApiResult<Json> get(std::string_view path, std::string_view api_version, const CallOptions& options = {});
    /// GET a resource; nullopt on 404.
    ApiResult<std::optional<Json>> find(std::string_view path, std::string_view api_version,
                                        const CallOptions& options = {});
    /// HEAD: true on 2xx, false on 404.
    ApiResult<bool> head(std::string_view path, std::string_view api_version, const CallOptions& options = {});
    /// GET a collection and follow nextLink until absent/null; every item of every page.
    ApiResult<std::vector<Json>> list(std::string_view path, std::string_view api_version,
                                      const CallOptions& options = {});
    /// PUT and follow the long-running operation; returns the final resource.
    ApiResult<Json> put(std::string_view path, std::string_view api_version, const Json& body,
                        const CallOptions& options = {});
    /// PATCH and follow the long-running operation; returns the final resource.
    ApiResult<Json> patch(std::string_view path, std::string_view api_version, const Json& body,
                          const CallOptions& options = {});
    /// POST an action; retried on 5xx/timeouts only when options.idempotent. Returns the
    /// final body (null when the service sent none).
    ApiResult<Json> post(std::string_view path, std::string_view api_version, const Json& body,
                         const CallOptions& options = {});
    /// DELETE and wait until gone (200/202/204 handled; 404 = already gone = success).
    ApiResult<void> remove(std::string_view path, std::string_view api_version, const CallOptions& options = {});
    /// Sends PUT/PATCH/POST/DELETE and returns at once: the operation to poll (already
    /// done() when the service answered synchronously). A DELETE's 404 is a done operation
    /// (already gone) with a null body. A PUT/PATCH ends when the resource's provisioningState
    /// is terminal (operation_state.hpp); Failed/Canceled is an lro_failed error.
    ApiResult<std::unique_ptr<LroOperation>> begin(std::string_view method, std::string_view path,
                                                   std::string_view api_version, const Json& body,
                                                   const CallOptions& options = {});
    /// One request with auth, pacing and retries, but no LRO handling; any status returned except
    /// a 401 that the one token refresh did not cure (an auth error).
    ApiResult<HttpResponse> send(std::string_view method, std::string_view path, std::string_view api_version,
                                 const std::string& body, const CallOptions& options = {});

    /// The absolute URL for a path, api-version and extra query.
    std::string url_for(std::string_view path, std::string_view api_version,
                        const std::vector<std::pair<std::string, std::string>>& query = {}) const;
    /// Gets the ARM token and opens `connections` connections to the ARM endpoint (one
    /// unauthenticated GET /metadata/endpoints each), so that the first calls wait for neither;
    /// failures are ignored: the first call meets and reports them. The CLI runs it while it
    /// loads the manifests.
    void warm_up(int connections);
    /// Counters so far.
    ClientStats stats() const;
    const ClientOptions& options() const { return m_options; }
    /// The credential chain (its default_subscription() is the Azure CLI's current one).
    const TokenCredential& credential() const { return *m_credential; }

private:
    struct Counters;
    ApiResult<HttpResponse> execute(HttpRequest request, const CallOptions& options, bool poll);
    tl::expected<void, ApiError> authorize(HttpRequest& request, const std::string& audience, std::string& token,
                                           bool add_token = true);
    void warn_foreign_host(const HttpRequest& request, const std::string& audience);
    ApiError unauthorized_error(const HttpRequest& request, const HttpResponse& response, const std::string& audience,
                                const std::string& token) const;
    HttpResponse send_once(const HttpRequest& request, bool poll, int attempt, std::chrono::milliseconds paced);
    std::string display_path(const std::string& url) const;
    ApiResult<Json> write(std::string_view method, std::string_view path, std::string_view api_version,
                          const Json& body, const CallOptions& options);
    ApiResult<Json> run_to_end(LroOperation& operation);
    void lro_start(LroOperation::State& op, const HttpResponse& initial);
    void lro_poll(LroOperation::State& op);
    void lro_poll_async_status(LroOperation::State& op);
    void lro_poll_location(LroOperation::State& op);
    void lro_poll_resource(LroOperation::State& op);
    void lro_resource(LroOperation::State& op, const std::string& url, Json resource, std::chrono::milliseconds wait);
    void lro_final_get(LroOperation::State& op);
    void lro_schedule(LroOperation::State& op, std::chrono::milliseconds wait, const std::string& timeout_method,
                      const std::string& timeout_url);
    void lro_finish(LroOperation::State& op, ApiResult<Json> result);
    ApiResult<HttpResponse> poll_get(const std::string& url, LroOperation::State& op);
    ApiError operation_error(const std::string& method, const std::string& url, const std::string& status,
                             const Json& status_body, const HttpResponse& response) const;
    ApiError lro_timeout_error(const std::string& method, const std::string& url) const;
    std::chrono::milliseconds poll_wait(const HttpResponse& response) const;
    ApiError make_error(const HttpRequest& request, const HttpResponse& response) const;
    friend class LroOperation;
    std::string redact(std::string_view text) const;
    std::string new_client_request_id() const;

    ClientOptions m_options;
    std::shared_ptr<Transport> m_transport;
    std::shared_ptr<Clock> m_clock;
    std::shared_ptr<Random> m_random;
    std::shared_ptr<TokenCredential> m_credential;
    std::unique_ptr<TokenCache> m_tokens;
    std::unique_ptr<Pacer> m_pacer;
    std::unique_ptr<Counters> m_counters;
};

}  // namespace converge
