#pragma once
// Transport-neutral HTTP request and response, so handlers never see cpp-httplib.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emulator {

using Json = nlohmann::json;

/// Case-insensitive less-than for header and query-parameter names.
struct ILess {
    bool operator()(std::string_view a, std::string_view b) const;
};

/// ASCII lower-case copy.
std::string to_lower(std::string_view s);
/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);
/// Percent-encodes a query-string component.
std::string url_encode(std::string_view s);

/// One part of a multipart/form-data body.
struct MultipartPart {
    std::string name;
    std::string filename;
    std::string content_type;
    std::string content;
};

/// An incoming request, already parsed by the server.
struct Request {
    std::string method;  ///< upper-case; HEAD is kept as HEAD
    std::string path;    ///< percent-decoded path as sent (casing kept)
    std::multimap<std::string, std::string, ILess> query;    ///< decoded query parameters
    std::multimap<std::string, std::string, ILess> headers;  ///< request headers
    std::multimap<std::string, std::string, ILess> form;     ///< x-www-form-urlencoded body fields
    std::vector<MultipartPart> parts;                        ///< multipart/form-data parts
    std::string body;
    std::string remote_addr;

    /// The first header with this name, or "".
    std::string header(std::string_view name) const;
    /// The first query parameter with this name (case-insensitive), if any.
    std::optional<std::string> param(std::string_view name) const;
    /// The first form field with this name, if any.
    std::optional<std::string> form_field(std::string_view name) const;
};

/// An outgoing response; the server writes it with TCP_NODELAY set.
struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string content_type = "application/json; charset=utf-8";
    bool drop_connection = false;  ///< fault injection: cut the connection mid-response

    /// Sets (replaces) a header.
    void set_header(std::string name, std::string value);
    /// The value of a header set on this response, or "".
    std::string header(std::string_view name) const;
    /// Removes every header with this name.
    void remove_header(std::string_view name);

    /// A JSON response.
    static Response json(int status, const Json& body);
    /// A response without a body.
    static Response empty(int status);
};

}  // namespace emulator
