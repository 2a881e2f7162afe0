#include "converge/credentials.hpp"

#include "converge/json.hpp"
#include "converge/redact.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace converge {

std::string AuthError::to_string() const {
    std::string out = credential.empty() ? "" : credential + ": ";
    if (!code.empty()) {
        out += code + ": ";
    }
    return out + message;
}

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr || *value == '\0') {
            return std::nullopt;
        }
        return std::string(value);
    };
}

namespace {
std::optional<std::int64_t> number_field(const Json& body, const char* key) {
    auto it = body.find(key);
    if (it == body.end()) {
        return std::nullopt;
    }
    if (it->is_number()) {
        return it->get<std::int64_t>();
    }
    if (it->is_string()) {
        try {
            return std::stoll(it->get<std::string>());
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// "AADSTS7000215: Invalid client secret provided. ...\r\nTrace ID: ..." -> first line only.
std::string first_line(const std::string& text) {
    return text.substr(0, text.find_first_of("\r\n"));
}

AuthError aad_error(const std::string& credential, int status, const std::string& body) {
    AuthError error;
    error.credential = credential;
    error.retryable = status == 429 || status >= 500;
    const Json parsed = Json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
        error.code = parsed["error"].get<std::string>();
        if (parsed.contains("error_description") && parsed["error_description"].is_string()) {
            error.message = first_line(parsed["error_description"].get<std::string>());
        }
    } else if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
        error.code = parsed["error"].value("code", "");
        error.message = parsed["error"].value("message", "");
    }
    if (error.message.empty()) {
        error.message = fmt::format("token request failed with HTTP {}", status);
    }
    return error;
}
}  // namespace

tl::expected<AccessToken, AuthError> parse_token_response(const std::string& credential, int status,
                                                          const std::string& body, std::int64_t now_epoch) {
    if (status != 200) {
        return tl::unexpected(aad_error(credential, status, body));
    }
    const Json parsed = Json::parse(body, nullptr, false);
    AccessToken token;
    if (parsed.is_object()) {
        for (const char* key : {"access_token", "accessToken"}) {
            if (parsed.contains(key) && parsed[key].is_string()) {
                token.token = parsed[key].get<std::string>();
            }
        }
    }
    if (token.token.empty()) {
        return tl::unexpected(AuthError{credential, "invalid_response", "token response has no access_token"});
    }
    if (auto on = number_field(parsed, "expires_on")) {
        token.expires_on = *on;
    } else if (auto in = number_field(parsed, "expires_in")) {
        token.expires_on = now_epoch + *in;
    } else {
        token.expires_on = now_epoch + 600;  // unknown lifetime: assume short, refresh early
    }
    return token;
}

tl::expected<AccessToken, AuthError> StaticTokenCredential::get_token(const std::string& /*audience*/) {
    return AccessToken{m_token, 0};
}

ChainedCredential::ChainedCredential(std::vector<std::unique_ptr<TokenCredential>> chain)
    : m_chain(std::move(chain)) {}

std::string ChainedCredential::name() const {
    std::lock_guard lock(m_mutex);
    if (m_last_good != nullptr) {
        return m_last_good->name();
    }
    std::string out;
    for (const auto& c : m_chain) {
        out += (out.empty() ? "" : ",") + c->name();
    }
    return out.empty() ? "none" : out;
}

std::vector<std::string> ChainedCredential::names() const {
    std::vector<std::string> out;
    for (const auto& c : m_chain) {
        out.push_back(c->name());
    }
    return out;
}

tl::expected<AccessToken, AuthError> ChainedCredential::get_token(const std::string& audience) {
    std::string skipped;
    for (const auto& credential : m_chain) {
        {
            std::lock_guard lock(m_mutex);
            if (auto it = m_unavailable.find(credential.get()); it != m_unavailable.end()) {
                skipped += (skipped.empty() ? "" : "; ") + it->second.to_string();
                continue;  // not configured here: asking again would only cost time
            }
        }
        auto token = credential->get_token(audience);
        if (token) {
            std::lock_guard lock(m_mutex);
            m_last_good = credential.get();
            return token;
        }
        if (!token.error().unavailable) {
            return token;  // configured but failing: report it, do not mask it with the next one
        }
        {
            std::lock_guard lock(m_mutex);
            m_unavailable.emplace(credential.get(), token.error());
        }
        skipped += (skipped.empty() ? "" : "; ") + token.error().to_string();
    }
    // One line naming every source and why it could not be used.
    AuthError error{"", "", "no credential available: " + (skipped.empty() ? std::string("none configured") : skipped)};
    error.unavailable = true;
    return tl::unexpected(error);
}

std::vector<std::string> ChainedCredential::secrets() const {
    std::vector<std::string> out;
    for (const auto& c : m_chain) {
        auto more = c->secrets();
        out.insert(out.end(), more.begin(), more.end());
    }
    return out;
}

std::optional<std::string> ChainedCredential::default_subscription() const {
    std::lock_guard lock(m_mutex);
    return m_last_good != nullptr ? m_last_good->default_subscription() : std::nullopt;
}

TokenCache::TokenCache(std::shared_ptr<TokenCredential> credential, std::shared_ptr<Clock> clock,
                       std::chrono::seconds refresh_margin)
    : m_credential(std::move(credential)), m_clock(std::move(clock)), m_margin(refresh_margin) {}

tl::expected<AccessToken, AuthError> TokenCache::get(const std::string& audience) {
    // One lock around the fetch: concurrent callers wait for the same token instead of
    // stampeding the token endpoint.
    std::lock_guard lock(m_mutex);
    const auto now = m_clock->epoch_seconds();
    if (auto it = m_tokens.find(audience); it != m_tokens.end()) {
        const auto& cached = it->second;
        if (cached.expires_on == 0 || now < cached.expires_on - m_margin.count()) {
            return cached;
        }
    }
    ++m_fetches;
    auto token = m_credential->get_token(audience);
    if (!token) {
        return token;
    }
    // A token living less than twice the margin is refreshed at half its life instead.
    AccessToken stored = *token;
    const auto lifetime = stored.expires_on - now;
    if (stored.expires_on != 0 && lifetime < 2 * m_margin.count()) {
        stored.expires_on = now + lifetime / 2 + m_margin.count();
    }
    m_tokens[audience] = stored;
    m_seen.push_back(token->token);
    return token;
}

void TokenCache::invalidate(const std::string& audience, const std::string& rejected) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_tokens.find(audience); it != m_tokens.end() && it->second.token == rejected) {
        m_tokens.erase(it);
    }
}

int TokenCache::fetches() const {
    std::lock_guard lock(m_mutex);
    return m_fetches;
}

std::vector<std::string> TokenCache::known_tokens() const {
    std::lock_guard lock(m_mutex);
    return m_seen;
}

}  // namespace converge
