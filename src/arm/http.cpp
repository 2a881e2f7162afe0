#include "converge/http.hpp"

#include "converge/resource_id.hpp"

#include <algorithm>
#include <charconv>

namespace converge {

HttpHeaders::HttpHeaders(std::initializer_list<std::pair<std::string, std::string>> items) : m_items(items) {}

std::optional<std::string> HttpHeaders::get(std::string_view name) const {
    for (const auto& [key, value] : m_items) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

void HttpHeaders::set(std::string_view name, std::string value) {
    erase(name);
    m_items.emplace_back(std::string(name), std::move(value));
}

void HttpHeaders::add(std::string name, std::string value) { m_items.emplace_back(std::move(name), std::move(value)); }

void HttpHeaders::erase(std::string_view name) {
    std::erase_if(m_items, [&](const auto& item) { return iequals(item.first, name); });
}

std::string_view to_string(TransportError kind) {
    switch (kind) {
    case TransportError::none: return "none";
    case TransportError::connect: return "connect";
    case TransportError::timeout: return "timeout";
    case TransportError::reset: return "reset";
    case TransportError::tls: return "tls";
    case TransportError::other: return "other";
    case TransportError::too_large: return "too_large";
    }
    return "other";
}

namespace {
std::optional<long long> parse_integer(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    long long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}
}  // namespace

std::optional<std::chrono::milliseconds> retry_after(const HttpHeaders& headers) {
    for (const char* name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
        if (auto v = headers.get(name)) {
            if (auto ms = parse_integer(*v)) {
                return std::chrono::milliseconds(*ms);
            }
        }
    }
    if (auto v = headers.get("Retry-After")) {
        // Integer seconds only (ARM never sends an HTTP-date); anything else is ignored.
        if (auto s = parse_integer(*v)) {
            return std::chrono::seconds(*s);
        }
    }
    return std::nullopt;
}

std::string url_encode(std::string_view text) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 15]);
        }
    }
    return out;
}

std::string url_origin(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return "";
    }
    const auto path_start = url.find_first_of("/?#", scheme_end + 3);
    return to_lower(url.substr(0, path_start));
}

std::string url_host(std::string_view url) {
    const std::string origin = url_origin(url);
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string::npos) {
        return "";
    }
    std::string_view authority = std::string_view(origin).substr(scheme_end + 3);
    if (authority.find('@') != std::string_view::npos || authority.find('\\') != std::string_view::npos) {
        return "";  // userinfo (or a parser-confusing backslash): never a host a token may go to
    }
    std::string_view host = authority;
    if (host.starts_with('[')) {
        const auto close = host.find(']');
        if (close == std::string_view::npos) {
            return "";
        }
        host = host.substr(0, close + 1);
    } else {
        host = host.substr(0, host.find(':'));
    }
    if (host.empty()) {
        return "";
    }
    for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
                        c == '[' || c == ']' || c == ':';
        if (!ok) {
            return "";
        }
    }
    return std::string(host);
}

std::string url_path_and_query(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return std::string(url);
    }
    const auto path_start = url.find_first_of("/?", scheme_end + 3);
    if (path_start == std::string_view::npos) {
        return "/";
    }
    std::string out(url.substr(path_start));
    if (out.front() == '?') {
        out.insert(out.begin(), '/');
    }
    return out;
}

bool is_loopback_url(std::string_view url) {
    std::string origin = url_origin(url);
    const auto host_start = origin.find("://");
    if (host_start == std::string::npos) {
        return false;
    }
    std::string_view host = std::string_view(origin).substr(host_start + 3);
    if (auto at = host.rfind('@'); at != std::string_view::npos) {
        host.remove_prefix(at + 1);
    }
    if (host.starts_with("[::1]")) {
        return true;
    }
    host = host.substr(0, host.find(':'));
    if (host == "localhost") {
        return true;
    }
    // 127.x.y.z only as a dotted IPv4 literal ("127.0.0.1.evil.test" is a DNS name).
    if (!host.starts_with("127.") || std::count(host.begin(), host.end(), '.') != 3) {
        return false;
    }
    return std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

}  // namespace converge
