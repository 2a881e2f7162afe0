#include "converge/arm_client_api.hpp"

namespace converge {

const char* verb_name(Verb verb) {
    switch (verb) {
    case Verb::put: return "PUT";
    case Verb::patch: return "PATCH";
    case Verb::remove: return "DELETE";
    case Verb::post: return "POST";
    }
    return "PUT";
}

CallOptions call_options(const Query& query) {
    CallOptions options;
    options.query.assign(query.begin(), query.end());
    return options;
}

ApiResult<Json> ArmClientApi::get(const std::string& path, const std::string& api_version) {
    return m_client->get(path, api_version);
}

ApiResult<std::vector<Json>> ArmClientApi::list(const std::string& path, const std::string& api_version,
                                                const Query& query) {
    return m_client->list(path, api_version, call_options(query));
}

ApiResult<std::unique_ptr<Operation>> ArmClientApi::begin(const WriteRequest& request) {
    auto started = m_client->begin(verb_name(request.verb), request.path, request.api_version, request.body,
                                   call_options(request.query));
    if (!started) {
        return tl::unexpected(started.error());
    }
    return std::unique_ptr<Operation>(std::move(*started));
}

ApiResult<DataResponse> ArmClientApi::send_data(const DataRequest& request) {
    CallOptions options;
    options.token = false;  // the request carries its own key or token
    for (const auto& [name, value] : request.headers) {
        options.headers.set(name, value);
    }
    auto response = m_client->send(request.method, request.url, "", request.body, options);
    if (!response) {
        return tl::unexpected(response.error());
    }
    return DataResponse{response->status, response->body};
}

ApiResult<ArmReply> ArmClientApi::post_query(const std::string& path, const std::string& api_version,
                                             const Json& body) {
    CallOptions options;
    options.idempotent = true;  // a query writes nothing: retried like a GET
    options.headers.set("Content-Type", "application/json");
    auto response = m_client->send("POST", path, api_version, body.dump(), options);
    if (!response) {
        return tl::unexpected(response.error());
    }
    ArmReply reply;
    reply.status = response->status;
    for (const char* name : {"x-ms-user-quota-remaining", "x-ms-user-quota-resets-after", "retry-after"}) {
        if (auto v = response->headers.get(name)) {
            reply.headers[name] = *v;
        }
    }
    reply.body = Json::parse(response->body, nullptr, false);
    if (reply.body.is_discarded()) {
        reply.body = Json();
    }
    return reply;
}

}  // namespace converge
