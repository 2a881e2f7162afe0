// One ARM request end to end: pacing, token, send, retry with backoff, -v event, counters.
#include "arm/internal.hpp"

#include "converge/redact.hpp"
#include "converge/resource_id.hpp"

#include <fmt/format.h>

#include <thread>
#include <vector>

namespace converge {

namespace {
std::string_view audience_key(std::string_view audience) {
    while (!audience.empty() && audience.back() == '/') {
        audience.remove_suffix(1);
    }
    return audience;
}

bool same_audience(std::string_view a, std::string_view b) { return iequals(audience_key(a), audience_key(b)); }

bool host_matches(const std::string& host, const std::string& pattern) {
    const std::string p = to_lower(pattern);
    if (p.starts_with('.')) {
        return host.size() > p.size() && host.ends_with(p);
    }
    return host == p;
}

// The application (or object) id a JWT names, for errors; "" when it is not a readable JWT.
// Ids are not secrets; the token itself never leaves this function.
std::string token_principal(const std::string& token) {
    const auto first = token.find('.');
    const auto second = first == std::string::npos ? first : token.find('.', first + 1);
    if (second == std::string::npos) {
        return "";
    }
    std::string decoded;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : std::string_view(token).substr(first + 1, second - first - 1)) {
        int v = -1;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '-' || c == '+') v = 62;
        else if (c == '_' || c == '/') v = 63;
        else if (c == '=') break;
        else return "";
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    const Json claims = Json::parse(decoded, nullptr, false);
    for (const char* key : {"appid", "azp", "oid"}) {
        if (const std::string id = string_field(claims, key); !id.empty()) {
            return fmt::format("{} {}", key, id);
        }
    }
    return "";
}
}  // namespace

std::vector<TokenHosts> azure_public_token_hosts() {
    return {TokenHosts{"https://ml.azure.com", {".api.azureml.ms"}},
            TokenHosts{"https://storage.azure.com", {".blob.core.windows.net"}}};
}

bool token_belongs_to(const ClientOptions& options, std::string_view url, std::string_view audience) {
    const std::string host = url_host(url);
    if (host.empty()) {
        return false;
    }
    const std::string origin = url_origin(url);
    if (origin == url_origin(options.arm_endpoint)) {
        // The emulator (a loopback ARM endpoint) serves every Azure host at its one address.
        return same_audience(audience, options.arm_audience) || is_loopback_url(options.arm_endpoint);
    }
    if (!origin.starts_with("https://")) {
        return false;
    }
    for (const auto& rule : options.token_hosts) {
        if (!same_audience(rule.audience, audience)) {
            continue;
        }
        for (const auto& pattern : rule.hosts) {
            if (host_matches(host, pattern)) {
                return true;
            }
        }
    }
    return false;
}

std::string RequestEvent::to_string() const {
    std::string out = fmt::format("{} {} -> ", method, path);
    out += status != 0 ? std::to_string(status) : fmt::format("{} error ({})", converge::to_string(error), error_message);
    out += fmt::format(" ({} ms", duration.count());
    if (attempt > 1) {
        out += fmt::format(", attempt {}", attempt);
    }
    if (poll) {
        out += ", poll";
    }
    if (paced.count() > 0) {
        out += fmt::format(", paced {} ms", paced.count());
    }
    out += ")";
    if (!request_id.empty()) {
        out += " request-id=" + request_id;
    }
    return out;
}

ArmClient::ArmClient(ClientOptions options, std::shared_ptr<Transport> transport,
                     std::shared_ptr<TokenCredential> credential, std::shared_ptr<Clock> clock,
                     std::shared_ptr<Random> random)
    : m_options(std::move(options)),
      m_transport(std::move(transport)),
      m_clock(std::move(clock)),
      m_random(std::move(random)),
      m_credential(std::move(credential)),
      m_tokens(std::make_unique<TokenCache>(m_credential, m_clock)),
      m_pacer(std::make_unique<Pacer>(m_options.pacing, *m_clock)),
      m_counters(std::make_unique<Counters>()) {
    if (m_options.correlation_id.empty()) {
        m_options.correlation_id = new_client_request_id();
    }
}

ArmClient::~ArmClient() = default;

void ArmClient::warm_up(int connections) {
    // Cloud metadata is served at ARM's origin without a token and outside any subscription, so
    // it is not one of the subscription's throttled reads: a request that only opens a connection.
    const std::string url = url_for("/metadata/endpoints", "2022-09-01");
    const auto open = [this, &url] {
        HttpRequest request{"GET", url, {}, ""};
        request.headers.set("Accept", "application/json");
        (void)send_once(request, false, 1, std::chrono::milliseconds(0));
    };
    std::thread token([this] { (void)m_tokens->get(m_options.arm_audience); });
    if (connections > 0) {
        // One connection first: its full TLS handshake leaves a session in the transport's
        // cache, which the others resume (the server sends no certificate, none is verified).
        // Then `connections` at once (one of them reuses the first), so that many are idle
        // when the first wave of lists starts.
        open();
    }
    std::vector<std::thread> openers;
    for (int i = 0; i < connections; ++i) {
        openers.emplace_back(open);
    }
    token.join();
    for (auto& opener : openers) {
        opener.join();
    }
}

ClientStats ArmClient::stats() const {
    ClientStats s;
    s.reads = m_counters->reads;
    s.writes = m_counters->writes;
    s.deletes = m_counters->deletes;
    s.polls = m_counters->polls;
    s.lros = m_counters->lros;
    s.retries = m_counters->retries;
    s.throttled = m_counters->throttled;
    s.auth_refreshes = m_counters->auth_refreshes;
    return s;
}

std::string ArmClient::new_client_request_id() const {
    // A random (version 4) UUID; the same id goes on a call's retries and its LRO polls.
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 32; ++i) {
        int nibble = static_cast<int>(m_random->uniform() * 16) & 15;
        if (i == 12) {
            nibble = 4;
        } else if (i == 16) {
            nibble = 8 | (nibble & 3);
        }
        if (i == 8 || i == 12 || i == 16 || i == 20) {
            id += '-';
        }
        id += k_hex[nibble];
    }
    return id;
}


std::string ArmClient::redact(std::string_view text) const {
    auto known = m_tokens->known_tokens();
    auto secrets = m_credential->secrets();  // secret, certificate password, assertions, federated token
    known.insert(known.end(), secrets.begin(), secrets.end());
    return redact_text(text, known);
}

std::string ArmClient::display_path(const std::string& url) const {
    const bool arm = url_origin(url) == url_origin(m_options.arm_endpoint);
    return redact_url(arm ? url_path_and_query(url) : url);
}

ApiError ArmClient::make_error(const HttpRequest& request, const HttpResponse& response) const {
    ApiError error;
    if (!response.has_response()) {
        error.kind = ApiErrorKind::transport;
        error.code = std::string(to_string(response.error));
        error.message = redact(response.error_message);
        error.retryable = response.error != TransportError::tls && response.error != TransportError::other &&
                          response.error != TransportError::too_large;
    } else {
        error = api_error_from_response(response.status, response.body,
                                        response.headers.get("x-ms-request-id").value_or(""));
        error.message = redact(error.message);
        error.retryable = is_retryable_status(response.status);
        error.retry_after = retry_after(response.headers);
    }
    error.method = request.method;
    error.path = display_path(request.url);
    return error;
}

tl::expected<void, ApiError> ArmClient::authorize(HttpRequest& request, const std::string& audience,
                                                  std::string& token, bool add_token) {
    token.clear();
    const std::string origin = url_origin(request.url);
    if (origin.starts_with("http://")) {
        ApiError error{ApiErrorKind::config};
        error.method = request.method;
        error.path = display_path(request.url);
        if (!is_loopback_url(request.url)) {
            error.message = "refusing to send a request over plain http to a non-loopback host";
            return tl::unexpected(error);
        }
        if (!url_origin(m_options.arm_endpoint).starts_with("http://")) {
            // A service (nextLink, Azure-AsyncOperation, Location) must not downgrade us.
            error.message = "refusing an https -> http downgrade: the ARM endpoint is https, this URL is plain http";
            return tl::unexpected(error);
        }
    }
    if (!add_token) {
        return {};  // the caller's own Authorization (a scoring key): the URL checks above still hold
    }
    if (!token_belongs_to(m_options, request.url, audience)) {
        // Not a host this token belongs to: the request goes, the token does not.
        warn_foreign_host(request, audience);
        return {};
    }
    auto access = m_tokens->get(audience);
    if (!access) {
        ApiError error{ApiErrorKind::auth};
        error.code = access.error().code;
        error.message = redact(access.error().message);
        error.credential = access.error().credential;
        error.retryable = access.error().retryable;
        error.method = request.method;
        error.path = display_path(request.url);
        return tl::unexpected(error);
    }
    token = access->token;
    request.headers.set("Authorization", "Bearer " + token);
    return {};
}

void ArmClient::warn_foreign_host(const HttpRequest& request, const std::string& audience) {
    const std::string host = url_host(request.url);
    {
        std::lock_guard lock(m_counters->warned_mutex);
        if (!m_counters->warned_hosts.insert(host.empty() ? url_origin(request.url) : host).second) {
            return;
        }
    }
    if (m_options.on_warning) {
        m_options.on_warning(fmt::format(
            "{} {} is sent without the bearer token: host {} is not a host the token for audience {} belongs to",
            request.method, display_path(request.url), host.empty() ? "(unparsable)" : host, audience));
    }
}

ApiError ArmClient::unauthorized_error(const HttpRequest& request, const HttpResponse& response,
                                       const std::string& audience, const std::string& token) const {
    ApiError error = make_error(request, response);
    error.kind = ApiErrorKind::auth;
    error.credential = m_credential->name();
    if (error.message.empty()) {
        error.message = "unauthorized";
    }
    if (token.empty()) {
        error.message += fmt::format(" (sent without a token: host {} is not a host of audience {})",
                                     url_host(request.url), audience);
    } else {
        const std::string principal = token_principal(token);
        error.message += fmt::format(" (the token for audience {}{} was refreshed and rejected again)", audience,
                                     principal.empty() ? "" : ", principal " + principal);
    }
    return error;
}

HttpResponse ArmClient::send_once(const HttpRequest& request, bool poll, int attempt, std::chrono::milliseconds paced) {
    const auto start = m_clock->now();
    HttpResponse response = m_transport->send(request);
    switch (request_class_of(request.method)) {
    case RequestClass::read: ++m_counters->reads; break;
    case RequestClass::write: ++m_counters->writes; break;
    case RequestClass::remove: ++m_counters->deletes; break;
    }
    if (poll) {
        ++m_counters->polls;
    }
    if (response.has_response() && response.status == 429) {
        ++m_counters->throttled;
    }
    if (m_options.on_request) {
        RequestEvent event;
        event.method = request.method;
        event.path = display_path(request.url);
        event.status = response.has_response() ? response.status : 0;
        event.error = response.error;
        event.error_message = redact(response.error_message);
        event.duration = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock->now() - start);
        event.attempt = attempt;
        event.request_id = response.headers.get("x-ms-request-id").value_or("");
        event.poll = poll;
        event.paced = paced;
        event.credential = m_credential->name();
        m_options.on_request(event);
    }
    return response;
}

ApiResult<HttpResponse> ArmClient::execute(HttpRequest request, const CallOptions& options, bool poll) {
    const bool arm = url_origin(request.url) == url_origin(m_options.arm_endpoint);
    const std::string audience = options.audience.empty() ? m_options.arm_audience : options.audience;
    const bool idempotent = options.idempotent || is_idempotent_method(request.method);
    const RequestClass cls = request_class_of(request.method);
    const std::string subscription = arm ? subscription_of(request.url) : "";
    request.headers.set("Accept", "application/json");
    if (!request.headers.has("x-ms-client-request-id")) {
        request.headers.set("x-ms-client-request-id", new_client_request_id());
    }
    if (arm && !request.headers.has("x-ms-correlation-request-id")) {
        request.headers.set("x-ms-correlation-request-id", m_options.correlation_id);
    }
    if (!request.body.empty() && !request.headers.has("Content-Type")) {
        request.headers.set("Content-Type", "application/json");
    }
    const auto start = m_clock->now();
    bool refreshed = false;
    for (int attempt = 1;; ++attempt) {
        const auto paced = arm ? m_pacer->acquire(subscription, cls) : Clock::Duration::zero();
        std::string token;
        if (auto ok = authorize(request, audience, token, options.token); !ok) {
            return tl::unexpected(ok.error());
        }
        HttpResponse response =
            send_once(request, poll, attempt, std::chrono::duration_cast<std::chrono::milliseconds>(paced));
        if (arm && response.has_response()) {
            m_pacer->observe(subscription, cls, response.headers);
        }
        if (response.has_response() && response.status == 401) {
            if (!token.empty() && !refreshed) {
                // The token may have been revoked or rotated early: fetch a new one, once, and
                // send again at once.
                refreshed = true;
                ++m_counters->auth_refreshes;
                m_tokens->invalidate(audience, token);
                --attempt;
                continue;
            }
            return tl::unexpected(unauthorized_error(request, response, audience, token));
        }
        const bool retryable = response.has_response()
                                   ? is_retryable_status(response.status) && (idempotent || response.status == 429)
                                   : is_retryable_transport(response.error, idempotent);
        if (!retryable || attempt >= m_options.retry.max_attempts) {
            if (!response.has_response()) {
                return tl::unexpected(make_error(request, response));
            }
            return response;
        }
        const auto delay = retry_delay(m_options.retry, attempt, response, *m_random);
        if (m_clock->now() + delay - start > m_options.retry.max_total) {
            return response.has_response() ? ApiResult<HttpResponse>(response)
                                           : tl::unexpected(make_error(request, response));
        }
        if (arm && response.has_response() && response.status == 429) {
            m_pacer->throttled(subscription, cls, delay);  // hold back every thread, not just this one
        }
        ++m_counters->retries;
        m_clock->sleep_for(delay);
    }
}

}  // namespace converge
