#include "recording_api.hpp"

#include "converge/resource_id.hpp"

namespace bench {

namespace {

std::string type_of(const std::string& path) {
    const auto id = converge::ResourceId::parse(path);
    return id ? id->type() : "";
}

}  // namespace

RecordingApi::RecordingApi(std::shared_ptr<converge::ArmClient> client) : m_client(std::move(client)) {}

converge::ApiResult<converge::Json> RecordingApi::get(const std::string& path, const std::string& api_version) {
    return m_client->get(path, api_version);
}

converge::ApiResult<std::vector<converge::Json>> RecordingApi::list(const std::string& path,
                                                                    const std::string& api_version,
                                                                    const converge::Query& query) {
    return m_client->list(path, api_version, converge::call_options(query));
}

// Apply's path: the write returns at once; the operation is recorded when it ends.
converge::ApiResult<std::unique_ptr<converge::Operation>> RecordingApi::begin(const converge::WriteRequest& request) {
    converge::CallOptions options = converge::call_options(request.query);
    options.on_end = [this, method = std::string(converge::verb_name(request.verb)),
                      path = request.path](const converge::LroReport& report) { record(method, path, report); };
    auto started = m_client->begin(converge::verb_name(request.verb), request.path, request.api_version,
                                   request.body, options);
    if (!started) {
        return tl::unexpected(started.error());
    }
    return std::unique_ptr<converge::Operation>(std::move(*started));
}

void RecordingApi::record(const std::string& method, const std::string& path, const converge::LroReport& report) {
    if (report.polls == 0 && report.mechanism == "none") {
        return;
    }
    std::lock_guard guard(m_mutex);
    m_lros.push_back({type_of(path), method, report.polls,
                      std::chrono::duration<double>(report.elapsed).count()});
}

std::vector<LroRecord> RecordingApi::lros() const {
    std::lock_guard guard(m_mutex);
    return m_lros;
}

}  // namespace bench

