#include "converge/redact.hpp"

#include "converge/resource_id.hpp"

#include <algorithm>

namespace converge {

bool is_secret_header(std::string_view name) {
    for (const char* h : {"authorization", "proxy-authorization", "x-identity-header", "secret", "api-key",
                          "ocp-apim-subscription-key", "cookie", "set-cookie", "x-ms-authorization-auxiliary"}) {
        if (iequals(name, h)) {
            return true;
        }
    }
    return false;
}

bool is_secret_key(std::string_view name) {
    const std::string lower = to_lower(name);
    for (const char* k : {"sig", "signature", "token", "access_token", "refresh_token", "client_secret", "secret",
                          "password", "key", "apikey", "api-key", "code", "client_assertion", "primarykey",
                          "secondarykey", "connectionstring"}) {
        if (lower == k) {
            return true;
        }
    }
    return false;
}

std::string redact_url(std::string_view url) {
    const auto query_start = url.find('?');
    if (query_start == std::string_view::npos) {
        return std::string(url);
    }
    std::string out(url.substr(0, query_start + 1));
    std::string_view query = url.substr(query_start + 1);
    bool first = true;
    while (!query.empty() || first) {
        const auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (!first) {
            out += '&';
        }
        first = false;
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && is_secret_key(pair.substr(0, eq))) {
            out += pair.substr(0, eq + 1);
            out += k_redacted;
        } else {
            out += pair;
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return out;
}

namespace {
void replace_all(std::string& text, std::string_view needle) {
    if (needle.size() < 4) {
        return;  // too short to be a secret; replacing would shred unrelated text
    }
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + k_redacted.size())) {
        text.replace(at, needle.size(), k_redacted);
    }
}

std::string redact_bearer(const std::string& text) {
    const std::string lower = to_lower(text);
    std::string out;
    std::size_t from = 0;
    for (auto at = lower.find("bearer "); at != std::string::npos; at = lower.find("bearer ", from)) {
        const auto start = at + 7;
        auto end = start;
        while (end < text.size() && std::string_view(" \"',\r\n").find(text[end]) == std::string_view::npos) {
            ++end;
        }
        out.append(text, from, start - from);
        if (end > start) {
            out += k_redacted;
        }
        from = end;
    }
    out.append(text, from, std::string::npos);
    return out;
}
}  // namespace

std::string redact_text(std::string_view text, const std::vector<std::string>& secrets) {
    std::string out(text);
    // Longest first, so a secret containing another is replaced whole.
    std::vector<std::string> sorted = secrets;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& secret : sorted) {
        replace_all(out, secret);
    }
    return redact_bearer(out);
}

std::string redact_header_value(std::string_view name, std::string_view value) {
    return is_secret_header(name) ? std::string(k_redacted) : std::string(value);
}

}  // namespace converge
