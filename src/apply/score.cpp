#include "converge/score.hpp"

#include "apply/internal.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace converge {

namespace {

// A POST action on the endpoint (listKeys, token), followed to its end.
ApiResult<Json> action(ArmApi& api, const ScoreRequest& request, const std::string& name) {
    WriteRequest post;
    post.verb = Verb::post;
    post.path = request.endpoint.str() + "/" + name;
    post.api_version = request.api_version;
    post.body = Json();  // listKeys and token take no body (mfe.json)
    auto started = api.begin(post);
    if (!started) {
        return tl::unexpected(started.error());
    }
    Operation& op = **started;
    while (!op.done()) {
        std::this_thread::sleep_for(op.wait());
        op.poll();
    }
    return op.result();
}

// The bearer credential of the endpoint's auth mode; never leaves this file but in a header.
ApiResult<std::string> credential(ArmApi& api, const ScoreRequest& request, const std::string& mode) {
    const bool key = iequals(mode, "Key");
    if (!key && !iequals(mode, "AMLToken")) {
        return tl::unexpected(make_api_error(
            "UnsupportedAuthMode", fmt::format("{} uses authMode {}: converge scores endpoints with authMode Key or "
                                               "AMLToken", resource_label("OnlineEndpoint", request.endpoint), mode)));
    }
    auto answer = action(api, request, key ? "listKeys" : "token");
    if (!answer) {
        return tl::unexpected(answer.error());
    }
    const char* field = key ? "primaryKey" : "accessToken";
    if (!answer->is_object() || !answer->contains(field) || !(*answer)[field].is_string()) {
        return tl::unexpected(make_api_error("NoCredential", fmt::format("{} of {} returned no {}", key ? "listKeys" : "token",
                                                                         request.endpoint.str(), field)));
    }
    return (*answer)[field].get<std::string>();
}

// "$.predictions[0]", "predictions.0", "[1]": member names and array indices.
const Json* at_path(const Json& root, std::string_view path) {
    if (path.starts_with('$')) {
        path.remove_prefix(1);
    }
    const Json* node = &root;
    while (!path.empty()) {
        if (path.front() == '.') {
            path.remove_prefix(1);
            continue;
        }
        const bool bracket = path.front() == '[';
        const std::size_t start = bracket ? 1 : 0;
        const std::size_t end = bracket ? path.find(']') : path.find_first_of(".[");
        const std::string part(path.substr(start, (end == std::string_view::npos ? path.size() : end) - start));
        path.remove_prefix(end == std::string_view::npos ? path.size() : end + (bracket ? 1 : 0));
        const bool index = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
        if (node->is_array() && index && std::stoul(part) < node->size()) {
            node = &(*node)[std::stoul(part)];
        } else if (node->is_object() && node->contains(part)) {
            node = &(*node)[part];
        } else {
            return nullptr;
        }
    }
    return node;
}

}  // namespace

ApiResult<DataResponse> score_endpoint(ArmApi& api, const ScoreRequest& request) {
    auto endpoint = api.get(request.endpoint.str(), request.api_version);
    if (!endpoint) {
        return tl::unexpected(endpoint.error());
    }
    const Json props = endpoint->value("properties", Json::object());
    const std::string uri = props.value("scoringUri", "");
    if (uri.empty()) {
        return tl::unexpected(make_api_error(
            "NoScoringUri", resource_label("OnlineEndpoint", request.endpoint) + " has no scoringUri yet (provisioningState " +
                                props.value("provisioningState", "unknown") + ")"));
    }
    auto bearer = credential(api, request, props.value("authMode", "Key"));
    if (!bearer) {
        return tl::unexpected(bearer.error());
    }
    DataRequest post;
    post.url = uri;
    post.body = request.body;
    post.headers["Authorization"] = "Bearer " + *bearer;
    post.headers["Content-Type"] = "application/json";
    if (!request.deployment.empty()) {
        post.headers["azureml-model-deployment"] = request.deployment;
    }
    return api.send_data(post);
}

std::string smoke_test_body(const Json& smoke_test) {
    const Json body = smoke_test.value("request", Json::object());
    return body.is_string() ? body.get<std::string>() : body.dump();
}

std::string smoke_test_mismatch(const Json& smoke_test, const DataResponse& response) {
    const int expected = smoke_test.value("expectedStatus", 200);
    if (response.status != expected) {
        return fmt::format("status {}, expected {} (body: {})", response.status, expected, response.body.substr(0, 200));
    }
    if (!smoke_test.contains("jsonPath")) {
        return {};
    }
    const std::string path = smoke_test.value("jsonPath", "");
    const Json body = Json::parse(response.body, nullptr, false);
    if (body.is_discarded()) {
        return fmt::format("the answer is not JSON, expected a value at {} (body: {})", path, response.body.substr(0, 200));
    }
    const Json* found = at_path(body, path);
    if (found == nullptr) {
        return fmt::format("no value at {} in {}", path, body.dump().substr(0, 200));
    }
    if (smoke_test.contains("expectedValue") && *found != smoke_test["expectedValue"]) {
        return fmt::format("{} is {}, expected {}", path, found->dump(), smoke_test["expectedValue"].dump());
    }
    return {};
}

}  // namespace converge

namespace converge::detail {

ApiResult<Json> run_smoke_test(ArmApi& api, const Resource& endpoint, const std::string& api_version) {
    const Json& test = endpoint.smoke_test;
    auto answer = score_endpoint(api, {endpoint.id, api_version, test.value("deployment", ""), smoke_test_body(test)});
    const std::string label = resource_label("OnlineEndpoint", endpoint.id);
    if (!answer) {
        ApiError error = answer.error();
        error.message = "smoke test of " + label + ": " + error.message;
        return tl::unexpected(error);
    }
    if (const std::string differs = smoke_test_mismatch(test, *answer); !differs.empty()) {
        return tl::unexpected(make_api_error("SmokeTestFailed", "smoke test of " + label + " failed: " + differs));
    }
    return Json{{"status", answer->status}};
}

}  // namespace converge::detail
