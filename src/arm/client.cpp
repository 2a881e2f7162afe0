// ArmClient's verbs: GET/HEAD/list and the writes that hand off to the LRO follower.
#include "arm/internal.hpp"

#include "converge/resource_id.hpp"

#include <fmt/format.h>

#include <iterator>
#include <unordered_set>

namespace converge {

namespace {
bool is_absolute(std::string_view path) { return path.starts_with("https://") || path.starts_with("http://"); }

Json parse_body(const std::string& body) {
    if (body.empty()) {
        return nullptr;
    }
    return Json::parse(body, nullptr, false);
}

ApiError decode_error(const HttpRequest& request, std::string path, std::string message) {
    ApiError error{ApiErrorKind::decode};
    error.method = request.method;
    error.path = std::move(path);
    error.message = std::move(message);
    return error;
}
}  // namespace

std::string ArmClient::url_for(std::string_view path, std::string_view api_version,
                               const std::vector<std::pair<std::string, std::string>>& query) const {
    std::string url;
    if (is_absolute(path)) {
        url = std::string(path);
    } else {
        url = m_options.arm_endpoint;
        while (!url.empty() && url.back() == '/') {
            url.pop_back();
        }
        url += path.starts_with('/') ? std::string(path) : "/" + std::string(path);
    }
    auto append = [&url](std::string_view key, std::string_view value) {
        url += url.find('?') == std::string::npos ? '?' : '&';
        url += key;
        url += '=';
        url += url_encode(value);
    };
    if (!api_version.empty() && url.find("api-version=") == std::string::npos) {
        append("api-version", api_version);
    }
    for (const auto& [key, value] : query) {
        append(key, value);
    }
    return url;
}

ApiResult<HttpResponse> ArmClient::send(std::string_view method, std::string_view path, std::string_view api_version,
                                        const std::string& body, const CallOptions& options) {
    HttpRequest request{std::string(method), url_for(path, api_version, options.query), options.headers, body};
    return execute(std::move(request), options, false);
}

ApiResult<Json> ArmClient::get(std::string_view path, std::string_view api_version, const CallOptions& options) {
    HttpRequest request{"GET", url_for(path, api_version, options.query), options.headers, ""};
    auto response = execute(request, options, false);
    if (!response) {
        return tl::unexpected(response.error());
    }
    if (!response->ok()) {
        return tl::unexpected(make_error(request, *response));
    }
    Json body = parse_body(response->body);
    if (body.is_discarded()) {
        return tl::unexpected(decode_error(request, display_path(request.url), "response is not JSON"));
    }
    return body;
}

ApiResult<std::optional<Json>> ArmClient::find(std::string_view path, std::string_view api_version,
                                               const CallOptions& options) {
    auto body = get(path, api_version, options);
    if (!body) {
        if (body.error().is_not_found()) {
            return std::optional<Json>();
        }
        return tl::unexpected(body.error());
    }
    return std::optional<Json>(std::move(*body));
}

ApiResult<bool> ArmClient::head(std::string_view path, std::string_view api_version, const CallOptions& options) {
    HttpRequest request{"HEAD", url_for(path, api_version, options.query), options.headers, ""};
    auto response = execute(request, options, false);
    if (!response) {
        return tl::unexpected(response.error());
    }
    if (response->status == 404) {
        return false;
    }
    if (!response->ok()) {
        return tl::unexpected(make_error(request, *response));
    }
    return true;
}

ApiResult<std::vector<Json>> ArmClient::list(std::string_view path, std::string_view api_version,
                                             const CallOptions& options) {
    std::vector<Json> items;
    std::string url = url_for(path, api_version, options.query);
    const std::string list_name = display_path(url);
    // Every page URL of this listing: a nextLink back to any of them is a cycle, whatever its length.
    std::unordered_set<std::string> seen{url};
    std::size_t total_bytes = 0;
    for (int pages = 1; !url.empty(); ++pages) {
        HttpRequest request{"GET", url, options.headers, ""};
        auto response = execute(request, options, false);
        if (!response) {
            return tl::unexpected(response.error());
        }
        if (!response->ok()) {
            return tl::unexpected(make_error(request, *response));
        }
        total_bytes += response->body.size();
        if (total_bytes > m_options.max_list_bytes) {
            return tl::unexpected(decode_error(
                request, list_name,
                fmt::format("the pages of this list add up to more than {} MiB (max_list_bytes); stopped at page {}",
                            m_options.max_list_bytes >> 20, pages)));
        }
        Json page = parse_body(response->body);
        if (!page.is_object() || (page.contains("value") && !page["value"].is_array())) {
            return tl::unexpected(decode_error(request, display_path(url), "list response is not {\"value\": [...]}"));
        }
        if (auto value = page.find("value"); value != page.end()) {
            auto& page_items = value->get_ref<Json::array_t&>();
            items.insert(items.end(), std::make_move_iterator(page_items.begin()), std::make_move_iterator(page_items.end()));
        }
        url.clear();
        // Pages may be short or empty and still carry a nextLink: loop until it is absent/null.
        if (auto it = page.find("nextLink"); it != page.end() && it->is_string() && !it->get<std::string>().empty()) {
            std::string next = url_for(it->get<std::string>(), "");
            if (!seen.insert(next).second) {
                return tl::unexpected(decode_error(
                    request, list_name,
                    fmt::format("nextLink cycle: page {} of this list links back to an earlier page ({})", pages,
                                display_path(next))));
            }
            if (pages >= m_options.max_pages) {
                return tl::unexpected(decode_error(
                    request, list_name,
                    fmt::format("this list has more than {} pages (max_pages); stopped following nextLink",
                                m_options.max_pages)));
            }
            url = std::move(next);
        }
    }
    return items;
}

ApiResult<Json> ArmClient::put(std::string_view path, std::string_view api_version, const Json& body,
                               const CallOptions& options) {
    return write("PUT", path, api_version, body, options);
}

ApiResult<Json> ArmClient::patch(std::string_view path, std::string_view api_version, const Json& body,
                                 const CallOptions& options) {
    return write("PATCH", path, api_version, body, options);
}

ApiResult<Json> ArmClient::post(std::string_view path, std::string_view api_version, const Json& body,
                                const CallOptions& options) {
    return write("POST", path, api_version, body, options);
}

ApiResult<void> ArmClient::remove(std::string_view path, std::string_view api_version, const CallOptions& options) {
    auto result = write("DELETE", path, api_version, nullptr, options);
    if (!result) {
        if (result.error().is_not_found()) {
            return {};  // already gone (e.g. a retried DELETE, or its parent went first)
        }
        return tl::unexpected(result.error());
    }
    return {};
}

ApiResult<Json> ArmClient::write(std::string_view method, std::string_view path, std::string_view api_version,
                                 const Json& body, const CallOptions& options) {
    auto operation = begin(method, path, api_version, body, options);
    if (!operation) {
        return tl::unexpected(operation.error());
    }
    return run_to_end(**operation);
}

ApiResult<std::unique_ptr<LroOperation>> ArmClient::begin(std::string_view method, std::string_view path,
                                                          std::string_view api_version, const Json& body,
                                                          const CallOptions& caller_options) {
    CallOptions options = caller_options;
    if (!options.headers.has("x-ms-client-request-id")) {
        options.headers.set("x-ms-client-request-id", new_client_request_id());  // shared with the polls
    }
    HttpRequest request{std::string(method), url_for(path, api_version, options.query), options.headers,
                        body.is_null() ? "" : body.dump()};
    auto response = execute(request, options, false);
    if (!response) {
        return tl::unexpected(response.error());
    }
    const bool gone = request.method == "DELETE" && response->status == 404;
    if (!response->ok() && !gone) {
        return tl::unexpected(make_error(request, *response));
    }
    auto state = std::make_unique<LroOperation::State>();
    state->client = this;
    state->method = request.method;
    state->url = request.url;
    state->options = std::move(options);
    if (gone || !state->options.wait) {
        // Gone already (a retried DELETE, or its parent went first), or not to be followed.
        state->report.mechanism = "none";
        state->start = m_clock->now();
        Json parsed = gone ? Json(nullptr) : parse_body(response->body);
        lro_finish(*state, parsed.is_discarded() ? Json(nullptr) : std::move(parsed));
    } else {
        lro_start(*state, *response);
    }
    return std::make_unique<LroOperation>(std::move(state));
}

}  // namespace converge
