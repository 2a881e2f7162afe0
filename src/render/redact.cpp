#include "converge/redact.hpp"

#include "converge/http.hpp"
#include "converge/model.hpp"
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

// Under this many characters a value is only matched as a whole string value (Scrubber::scrub),
// never replaced inside text, and its encoded forms are not looked for.
constexpr std::size_t k_min_in_text = 4;

std::string base64(std::string_view in) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                           static_cast<unsigned char>(in[i + 2]);
        for (int shift : {18, 12, 6, 0}) {
            out.push_back(k_alphabet[(v >> shift) & 63]);
        }
    }
    if (i < in.size()) {
        const bool two = i + 1 < in.size();
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 | (two ? static_cast<unsigned char>(in[i + 1]) << 8 : 0u);
        out.push_back(k_alphabet[(v >> 18) & 63]);
        out.push_back(k_alphabet[(v >> 12) & 63]);
        out.push_back(two ? k_alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

// The secret as it reads inside a JSON string (without the quotes), as Json::dump writes it.
std::string json_escaped(const std::string& secret) {
    const std::string quoted = Json(secret).dump(-1, ' ', false, Json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

void collect_values(const Json& value, std::vector<std::string>& out) {
    if (value.is_string()) {
        out.push_back(value.get<std::string>());
    } else if (value.is_structured()) {
        for (const auto& v : value) {
            collect_values(v, out);
        }
    } else if (!value.is_null()) {
        out.push_back(value.dump());
    }
}

std::string redact_bearer(const std::string& text);

}  // namespace

Scrubber::Scrubber(const std::vector<std::string>& secrets, std::string_view replacement)
    : m_replacement(replacement) {
    auto add = [&](std::string form, bool in_text) { m_forms.push_back({std::move(form), in_text}); };
    for (const auto& secret : secrets) {
        if (secret.empty()) {
            continue;
        }
        const bool long_enough = secret.size() >= k_min_in_text;
        add(secret, long_enough);
        if (!long_enough) {
            continue;
        }
        add(json_escaped(secret), true);
        add(url_encode(secret), true);
        std::string b64 = base64(secret);
        const auto unpadded = b64.find('=');
        if (unpadded != std::string::npos) {
            add(b64.substr(0, unpadded), true);  // as written without padding
        }
        add(std::move(b64), true);
    }
    // Longest first; one entry per text (a value may be listed once per use).
    std::sort(m_forms.begin(), m_forms.end(), [](const Form& a, const Form& b) {
        return a.text.size() != b.text.size() ? a.text.size() > b.text.size() : a.text < b.text;
    });
    std::vector<Form> unique;
    unique.reserve(m_forms.size());
    for (auto& f : m_forms) {
        if (!unique.empty() && unique.back().text == f.text) {
            unique.back().replace_in_text = unique.back().replace_in_text || f.replace_in_text;
        } else {
            unique.push_back(std::move(f));
        }
    }
    m_forms = std::move(unique);
}

Scrubber Scrubber::for_desired(const DesiredSet& desired, std::string_view replacement) {
    std::vector<std::string> secrets = desired.secret_values;
    for (const auto& r : desired.resources) {
        for (const auto& pointer : r.sensitive) {
            const Json::json_pointer ptr{pointer};
            if (r.body.contains(ptr)) {
                collect_values(r.body.at(ptr), secrets);
            }
        }
    }
    return Scrubber(secrets, replacement);
}

bool Scrubber::contains(std::string_view text) const {
    return std::any_of(m_forms.begin(), m_forms.end(),
                       [&](const Form& f) { return text.find(f.text) != std::string_view::npos; });
}

std::string Scrubber::operator()(std::string text) const {
    for (const auto& f : m_forms) {
        if (!f.replace_in_text) {
            continue;
        }
        for (auto at = text.find(f.text); at != std::string::npos; at = text.find(f.text, at + m_replacement.size())) {
            text.replace(at, f.text.size(), m_replacement);
        }
    }
    return text;
}

bool Scrubber::scrub(Json& value) const {
    if (m_forms.empty()) {
        return false;
    }
    if (value.is_string()) {
        if (contains(value.get_ref<const std::string&>())) {
            value = m_replacement;
            return true;
        }
        return false;
    }
    bool hit = false;
    if (value.is_structured()) {
        for (auto& e : value) {
            hit = scrub(e) || hit;
        }
    }
    return hit;
}

namespace {

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
    if (secrets.empty()) {
        return redact_bearer(std::string(text));
    }
    return redact_bearer(Scrubber(secrets, k_redacted)(std::string(text)));
}

std::string redact_header_value(std::string_view name, std::string_view value) {
    return is_secret_header(name) ? std::string(k_redacted) : std::string(value);
}

}  // namespace converge
