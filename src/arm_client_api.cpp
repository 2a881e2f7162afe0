#include "converge/arm_client_api.hpp"

#if __has_include("converge/arm_client.hpp")

namespace converge {

namespace {
CallOptions with_query(const Query& query) {
    CallOptions options;
    options.query.assign(query.begin(), query.end());
    return options;
}
}  // namespace

ApiResult<Json> ArmClientApi::get(const std::string& path, const std::string& api_version) {
    return m_client->get(path, api_version);
}

ApiResult<std::vector<Json>> ArmClientApi::list(const std::string& path, const std::string& api_version,
                                                const Query& query) {
    return m_client->list(path, api_version, with_query(query));
}

ApiResult<Json> ArmClientApi::put(const std::string& path, const std::string& api_version, const Json& body) {
    return m_client->put(path, api_version, body);
}

ApiResult<Json> ArmClientApi::patch(const std::string& path, const std::string& api_version, const Json& body) {
    return m_client->patch(path, api_version, body);
}

ApiResult<Json> ArmClientApi::remove(const std::string& path, const std::string& api_version, const Query& query) {
    auto done = m_client->remove(path, api_version, with_query(query));
    if (!done) {
        return tl::unexpected(done.error());
    }
    return Json();
}

}  // namespace converge

#endif
