#include "features.hpp"
#if CONVERGE_BENCH_REMOTE
#include "recording_api.hpp"

#include "converge/resource_id.hpp"

namespace bench {

namespace {

converge::CallOptions with_query(const converge::Query& query, converge::LroReport* report) {
    converge::CallOptions options;
    for (const auto& [k, v] : query) {
        options.query.emplace_back(k, v);
    }
    options.report = report;
    return options;
}

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
    return m_client->list(path, api_version, with_query(query, nullptr));
}

converge::ApiResult<converge::Json> RecordingApi::put(const std::string& path, const std::string& api_version,
                                                      const converge::Json& body) {
    converge::LroReport report;
    auto out = m_client->put(path, api_version, body, with_query({}, &report));
    record("PUT", path, report);
    return out;
}

converge::ApiResult<converge::Json> RecordingApi::patch(const std::string& path, const std::string& api_version,
                                                        const converge::Json& body) {
    converge::LroReport report;
    auto out = m_client->patch(path, api_version, body, with_query({}, &report));
    record("PATCH", path, report);
    return out;
}

converge::ApiResult<converge::Json> RecordingApi::remove(const std::string& path, const std::string& api_version,
                                                         const converge::Query& query) {
    converge::LroReport report;
    auto out = m_client->remove(path, api_version, with_query(query, &report));
    record("DELETE", path, report);
    if (!out) {
        return tl::unexpected(out.error());
    }
    return converge::Json();
}

converge::ApiResult<converge::WriteStarted> RecordingApi::begin_put(const std::string& path,
                                                                    const std::string& api_version,
                                                                    const converge::Json& body) {
    return begin("PUT", path, api_version, body, {});
}

converge::ApiResult<converge::WriteStarted> RecordingApi::begin_patch(const std::string& path,
                                                                      const std::string& api_version,
                                                                      const converge::Json& body) {
    return begin("PATCH", path, api_version, body, {});
}

converge::ApiResult<converge::WriteStarted> RecordingApi::begin_remove(const std::string& path,
                                                                       const std::string& api_version,
                                                                       const converge::Query& query) {
    return begin("DELETE", path, api_version, nullptr, query);
}

// Apply's path: the write returns at once; the operation is recorded when it ends.
converge::ApiResult<converge::WriteStarted> RecordingApi::begin(const char* method, const std::string& path,
                                                                const std::string& api_version,
                                                                const converge::Json& body,
                                                                const converge::Query& query) {
    return converge::begin_write(*m_client, method, path, api_version, body, with_query(query, nullptr),
                                 [this, method = std::string(method), path](const converge::LroReport& report) {
                                     record(method, path, report);
                                 });
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

#endif  // CONVERGE_BENCH_REMOTE
