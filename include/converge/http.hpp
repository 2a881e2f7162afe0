#pragma once
// HTTP as the client sees it: a request, a response, and the Transport seam that sends one.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace converge {

/// Header list with case-insensitive lookup; keeps order and casing as received.
class HttpHeaders {
public:
    HttpHeaders() = default;
    HttpHeaders(std::initializer_list<std::pair<std::string, std::string>> items);

    /// The first value of `name` (any case), or nullopt.
    std::optional<std::string> get(std::string_view name) const;
    /// True when `name` (any case) is present.
    bool has(std::string_view name) const { return get(name).has_value(); }
    /// Replaces every value of `name` with `value`.
    void set(std::string_view name, std::string value);
    /// Appends a header, keeping earlier ones.
    void add(std::string name, std::string value);
    /// Removes every value of `name`.
    void erase(std::string_view name);

    const std::vector<std::pair<std::string, std::string>>& items() const { return m_items; }

private:
    std::vector<std::pair<std::string, std::string>> m_items;
};

/// One HTTP request; `url` is absolute.
struct HttpRequest {
    std::string method;  ///< GET, HEAD, PUT, PATCH, POST, DELETE
    std::string url;
    HttpHeaders headers;
    std::string body;
};

/// Why a request got no HTTP response.
enum class TransportError {
    none,     ///< an HTTP response arrived (any status)
    connect,  ///< could not resolve or connect: the request was never sent
    timeout,  ///< connect or total timeout
    reset,    ///< connection dropped while sending or receiving
    tls,      ///< certificate or handshake failure (not retried)
    other,    ///< anything else (bad URL, out of memory, ...)
    too_large,  ///< the response (declared, received or decoded) exceeded the size limit (not retried)
};

/// Stable lower-case name of a transport error kind ("connect", "timeout", ...).
std::string_view to_string(TransportError kind);

/// One HTTP response, or a transport failure when `error != none`.
struct HttpResponse {
    int status = 0;
    HttpHeaders headers;
    std::string body;
    TransportError error = TransportError::none;
    std::string error_message;  ///< human text for transport failures

    /// True when an HTTP response (any status) arrived.
    bool has_response() const { return error == TransportError::none; }
    /// True for a 2xx status.
    bool ok() const { return has_response() && status >= 200 && status < 300; }
};

/// Sends one request and blocks until the response. Implementations are thread-safe and
/// reuse connections; callers run many `send` calls in parallel.
class Transport {
public:
    virtual ~Transport() = default;
    /// Sends `request`; never throws for network problems (they come back as `error`).
    virtual HttpResponse send(const HttpRequest& request) = 0;
};

/// Delay asked for by a response: retry-after-ms, x-ms-retry-after-ms, then Retry-After
/// (integer seconds); nullopt when absent or unparsable.
std::optional<std::chrono::milliseconds> retry_after(const HttpHeaders& headers);

/// Percent-encodes a query or path component (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

/// "scheme://host[:port]" of an absolute URL, lower-cased; empty when not absolute.
std::string url_origin(std::string_view url);

/// The host of an absolute URL, lower-cased, without the port (an IPv6 literal keeps its
/// brackets: "[::1]"); empty when the URL is not absolute, names a user
/// ("https://a@b/"), or its host has characters no DNS name or IP literal has.
std::string url_host(std::string_view url);

/// The path and query of an absolute URL ("/a/b?x=1"); the input when it is already a path.
std::string url_path_and_query(std::string_view url);

/// True for http(s) URLs whose host is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback_url(std::string_view url);

}  // namespace converge
