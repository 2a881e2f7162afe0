// The regional Azure ML API client (CONTRACT.md 1.4): discovery (cached on disk per ARM endpoint
// and workspace), history/v1.0, execution/v1.0 startrun, artifact/v2.0 logs, modelmanagement/v1.0.
#include "converge/regional.hpp"

#include "converge/arm_api.hpp"
#include "converge/http.hpp"
#include "converge/kinds.hpp"
#include "converge/resource_id.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace converge {

namespace {

namespace fs = std::filesystem;

/// The api-version the how-to sends with every regional call.
constexpr const char* k_regional_api_version = "2019-11-01";

ApiError regional_error(std::string code, std::string message) { return make_api_error(std::move(code), std::move(message)); }

std::string trim_slash(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

// ---- the discovery cache: one JSON file per (ARM endpoint, workspace) -------------------------

std::string cache_key(const ArmClient& client, const RegionalWorkspace& ws) {
    return url_origin(client.options().arm_endpoint) + "|" + to_lower(ws.arm_id());
}

fs::path cache_file(const fs::path& dir, const std::string& key) {
    // FNV-1a 64: a stable file name (std::hash is not stable across builds); the key inside decides.
    std::uint64_t h = 14695981039346656037ull;
    for (const unsigned char c : key) {
        h = (h ^ c) * 1099511628211ull;
    }
    return dir / fmt::format("{:016x}.json", h);
}

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<RegionalEndpoints> read_cache(const DiscoveryCacheOptions& cache, const std::string& key) {
    if (cache.dir.empty()) {
        return std::nullopt;
    }
    std::ifstream in(cache_file(cache.dir, key));
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    const Json entry = Json::parse(text.str(), nullptr, false);
    if (!entry.is_object() || entry.value("key", "") != key || !entry.contains("services") ||
        !entry["services"].is_object() || !entry.contains("fetchedAt") || !entry["fetchedAt"].is_number_integer()) {
        return std::nullopt;
    }
    const std::int64_t age = now_seconds() - entry["fetchedAt"].get<std::int64_t>();
    if (age < 0 || age > cache.max_age.count()) {
        return std::nullopt;
    }
    RegionalEndpoints endpoints;
    endpoints.discovery_url = entry.value("discoveryUrl", "");
    endpoints.services = entry["services"];
    endpoints.from_cache = true;
    return endpoints;
}

// Best effort: a cache that cannot be written only costs a discovery call next time.
void write_cache(const DiscoveryCacheOptions& cache, const std::string& key, const RegionalEndpoints& endpoints) {
    if (cache.dir.empty()) {
        return;
    }
    std::error_code ec;
    fs::create_directories(cache.dir, ec);
    const fs::path file = cache_file(cache.dir, key);
    const fs::path temp = file.string() + fmt::format(".{}.tmp", std::random_device{}());
    {
        std::ofstream out(temp);
        out << Json{{"key", key},
                    {"discoveryUrl", endpoints.discovery_url},
                    {"services", endpoints.services},
                    {"fetchedAt", now_seconds()}}
                   .dump(2)
            << "\n";
        if (!out) {
            fs::remove(temp, ec);
            return;
        }
    }
    fs::rename(temp, file, ec);
    if (ec) {
        fs::remove(temp, ec);
    }
}

void drop_cache(const DiscoveryCacheOptions& cache, const std::string& key) {
    if (!cache.dir.empty()) {
        std::error_code ec;
        fs::remove(cache_file(cache.dir, key), ec);
    }
}

// ---- multipart/form-data (RFC 7578) ------------------------------------------------------------

struct Part {
    std::string name;
    std::string filename;
    std::string content_type;
    const std::string* content;
};

std::string random_boundary() {
    std::random_device rd;
    return fmt::format("----converge-{:08x}{:08x}{:08x}", rd(), rd(), rd());
}

std::string multipart_body(const std::string& boundary, const std::vector<Part>& parts) {
    std::string body;
    for (const auto& p : parts) {
        body += "--" + boundary + "\r\n";
        body += "Content-Disposition: form-data; name=\"" + p.name + "\"; filename=\"" + p.filename + "\"\r\n";
        body += "Content-Type: " + p.content_type + "\r\n\r\n";
        body += *p.content;
        body += "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    return body;
}

Json parse_or_null(const std::string& text) { return Json::parse(text, nullptr, false); }

}  // namespace

std::string RegionalWorkspace::arm_id() const {
    return "/subscriptions/" + subscription + "/resourceGroups/" + resource_group +
           "/providers/Microsoft.MachineLearningServices/workspaces/" + workspace;
}

fs::path default_discovery_cache_dir() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
        return fs::path(xdg) / "converge" / "regional";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        return fs::path(home) / ".cache" / "converge" / "regional";
    }
    return {};
}

std::string RegionalEndpoints::base(const std::string& service) const {
    // The how-to sends every call to the `api` host; a document without `api` falls back to the
    // service's own entry.
    for (const std::string& name : {std::string("api"), service}) {
        if (services.contains(name) && services[name].is_string() && !services[name].get<std::string>().empty()) {
            return trim_slash(services[name].get<std::string>());
        }
    }
    return {};
}

bool run_status_terminal(const std::string& status) {
    return status == "Completed" || status == "Failed" || status == "Canceled" || status == "NotResponding";
}

RegionalClient::RegionalClient(ArmClient& client, RegionalWorkspace workspace, DiscoveryCacheOptions cache,
                               std::string audience)
    : m_client(client), m_workspace(std::move(workspace)), m_cache(std::move(cache)), m_audience(std::move(audience)) {}

CallOptions RegionalClient::call_options() const {
    CallOptions options;
    options.audience = m_audience;
    return options;
}

ApiResult<RegionalEndpoints> RegionalClient::discover() {
    if (m_endpoints) {
        return *m_endpoints;
    }
    const std::string key = cache_key(m_client, m_workspace);
    if (auto cached = read_cache(m_cache, key)) {
        m_endpoints = *cached;
        return *cached;
    }
    const KindInfo* kind = find_kind("Workspace");
    auto ws = m_client.get(m_workspace.arm_id(), std::string(kind->api_version));
    if (!ws) {
        return tl::unexpected(ws.error());
    }
    const Json props = ws->value("properties", Json::object());
    const std::string discovery_url = props.value("discoveryUrl", "");
    if (discovery_url.empty()) {
        return tl::unexpected(regional_error(
            "NoDiscoveryUrl", "workspace " + m_workspace.workspace + " has no properties.discoveryUrl (provisioningState " +
                                  props.value("provisioningState", "unknown") + ")"));
    }
    CallOptions anonymous;
    anonymous.token = false;  // the discovery document is public: no token goes to its host
    auto doc = m_client.get(discovery_url, "", anonymous);
    if (!doc) {
        return tl::unexpected(doc.error());
    }
    if (!doc->is_object()) {
        return tl::unexpected(regional_error("BadDiscovery", "the discovery document at " + discovery_url +
                                                                 " is not a JSON object"));
    }
    RegionalEndpoints endpoints;
    endpoints.discovery_url = discovery_url;
    endpoints.services = *doc;
    if (endpoints.base("api").empty()) {
        return tl::unexpected(regional_error("BadDiscovery", "the discovery document at " + discovery_url +
                                                                 " names no api host"));
    }
    write_cache(m_cache, key, endpoints);
    m_endpoints = endpoints;
    return endpoints;
}

ApiResult<std::string> RegionalClient::url(const std::string& service, const std::string& group, const std::string& tail) {
    auto endpoints = discover();
    if (!endpoints) {
        return tl::unexpected(endpoints.error());
    }
    return endpoints->base(service) + "/" + group + m_workspace.arm_id() + tail;
}

namespace {

// Runs `call` with the endpoints known; when they came from the cache and the host did not
// answer at all (moved, gone), the cache entry is dropped and discovery runs once more.
template <class Call>
auto with_fresh_endpoints(RegionalClient& self, std::optional<RegionalEndpoints>& known, const DiscoveryCacheOptions& cache,
                          const std::string& key, Call call) -> decltype(call()) {
    auto result = call();
    if (!result && result.error().kind == ApiErrorKind::transport && known && known->from_cache) {
        drop_cache(cache, key);
        known.reset();
        (void)self;
        result = call();
    }
    return result;
}

}  // namespace

ApiResult<std::vector<Json>> RegionalClient::list(const std::string& service, const std::string& group,
                                                  const std::string& tail) {
    return with_fresh_endpoints(*this, m_endpoints, m_cache, cache_key(m_client, m_workspace),
                                [&]() -> ApiResult<std::vector<Json>> {
                                    auto at = url(service, group, tail);
                                    if (!at) {
                                        return tl::unexpected(at.error());
                                    }
                                    return m_client.list(*at, k_regional_api_version, call_options());
                                });
}

ApiResult<std::vector<Json>> RegionalClient::experiments() {
    return list("history", "history/v1.0", "/experiments");
}

ApiResult<std::vector<Json>> RegionalClient::runs(const std::string& experiment) {
    if (!experiment.empty()) {
        return list("history", "history/v1.0", "/experiments/" + url_encode(experiment) + "/runs");
    }
    auto all = experiments();
    if (!all) {
        return tl::unexpected(all.error());
    }
    std::vector<Json> out;
    for (const auto& e : *all) {
        auto some = list("history", "history/v1.0", "/experiments/" + url_encode(e.value("name", "")) + "/runs");
        if (!some) {
            return tl::unexpected(some.error());
        }
        for (auto& r : *some) {
            if (!r.contains("experimentName")) {
                r["experimentName"] = e.value("name", "");
            }
            out.push_back(std::move(r));
        }
    }
    return out;
}

ApiResult<std::string> RegionalClient::experiment_of(const std::string& run_id) {
    auto all = runs("");
    if (!all) {
        return tl::unexpected(all.error());
    }
    for (const auto& r : *all) {
        if (r.value("runId", "") == run_id) {
            return r.value("experimentName", "");
        }
    }
    ApiError error = regional_error("RunNotFound", "no run " + run_id + " in any experiment of workspace " +
                                                       m_workspace.workspace);
    error.status = 404;
    return tl::unexpected(error);
}

ApiResult<Json> RegionalClient::run(const std::string& experiment, const std::string& run_id) {
    std::string exp = experiment;
    if (exp.empty()) {
        auto found = experiment_of(run_id);
        if (!found) {
            return tl::unexpected(found.error());
        }
        exp = *found;
    }
    return with_fresh_endpoints(*this, m_endpoints, m_cache, cache_key(m_client, m_workspace), [&]() -> ApiResult<Json> {
        auto at = url("history", "history/v1.0", "/experiments/" + url_encode(exp) + "/runs/" + url_encode(run_id));
        if (!at) {
            return tl::unexpected(at.error());
        }
        return m_client.get(*at, k_regional_api_version, call_options());
    });
}

ApiResult<std::string> RegionalClient::start_run(const std::string& experiment, const std::string& project_zip,
                                                 const std::string& run_definition) {
    const std::string boundary = random_boundary();
    const std::string body = multipart_body(
        boundary, {{"projectZipFile", "project.zip", "application/zip", &project_zip},
                   {"runDefinitionFile", "runDefinition.json", "application/json", &run_definition}});
    auto answer = with_fresh_endpoints(*this, m_endpoints, m_cache, cache_key(m_client, m_workspace),
                                       [&]() -> ApiResult<HttpResponse> {
                                           auto at = url("experimentation", "execution/v1.0",
                                                         "/experiments/" + url_encode(experiment) + "/startrun");
                                           if (!at) {
                                               return tl::unexpected(at.error());
                                           }
                                           CallOptions options = call_options();
                                           options.headers.set("Content-Type",
                                                               "multipart/form-data; boundary=" + boundary);
                                           return m_client.send("POST", *at, k_regional_api_version, body, options);
                                       });
    if (!answer) {
        return tl::unexpected(answer.error());
    }
    if (answer->status < 200 || answer->status >= 300) {
        ApiError error = api_error_from_response(answer->status, answer->body, answer->headers.get("x-ms-request-id").value_or(""));
        error.method = "POST";
        error.path = "execution/v1.0/.../experiments/" + experiment + "/startrun";
        return tl::unexpected(error);
    }
    const Json started = parse_or_null(answer->body);
    if (!started.is_object() || !started.contains("runId") || !started["runId"].is_string()) {
        return tl::unexpected(regional_error("BadStartRun", "startrun answered without a runId: " +
                                                                answer->body.substr(0, 200)));
    }
    return started["runId"].get<std::string>();
}

ApiResult<Json> RegionalClient::follow_run(const std::string& experiment, const std::string& run_id,
                                           std::chrono::milliseconds interval,
                                           const std::function<void(const RunUpdate&)>& on_change,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (true) {
        auto current = run(experiment, run_id);
        if (!current) {
            return tl::unexpected(current.error());
        }
        const std::string status = current->value("status", "");
        if (status != last) {
            last = status;
            if (on_change) {
                on_change({status, *current});
            }
        }
        if (run_status_terminal(status)) {
            return *current;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return tl::unexpected(regional_error(
                "RunTimeout", fmt::format("run {} is still {} after {} s", run_id, status,
                                          std::chrono::duration_cast<std::chrono::seconds>(timeout).count())));
        }
        std::this_thread::sleep_for(interval);
    }
}

ApiResult<std::vector<Json>> RegionalClient::metrics(const std::string& experiment, const std::string& run_id) {
    return list("history", "history/v1.0",
                "/experiments/" + url_encode(experiment) + "/runs/" + url_encode(run_id) + "/metrics");
}

ApiResult<std::vector<RunLog>> RegionalClient::logs(const std::string& run_id) {
    const std::string container = "/artifacts/ExperimentRun/dcid." + url_encode(run_id);
    auto artifacts = list("artifact", "artifact/v2.0", container);
    if (!artifacts) {
        return tl::unexpected(artifacts.error());
    }
    std::vector<RunLog> out;
    for (const auto& a : *artifacts) {
        const std::string path = a.value("path", "");
        if (!path.starts_with("azureml-logs/") && !path.starts_with("logs/")) {
            continue;
        }
        auto at = url("artifact", "artifact/v2.0",
                      "/artifacts/content/ExperimentRun/dcid." + url_encode(run_id));
        if (!at) {
            return tl::unexpected(at.error());
        }
        CallOptions options = call_options();
        options.query.emplace_back("path", path);
        options.headers.set("Accept", "text/plain, application/octet-stream");
        auto content = m_client.send("GET", *at, k_regional_api_version, "", options);
        if (!content) {
            return tl::unexpected(content.error());
        }
        if (content->status != 200) {
            ApiError error = api_error_from_response(content->status, content->body, content->headers.get("x-ms-request-id").value_or(""));
            error.method = "GET";
            error.path = "artifact/v2.0/.../" + path;
            return tl::unexpected(error);
        }
        out.push_back({path, content->body});
    }
    return out;
}

ApiResult<std::vector<Json>> RegionalClient::models(const std::string& name) {
    return list("modelmanagement", "modelmanagement/v1.0", "/models" + (name.empty() ? "" : "?name=" + url_encode(name)));
}

}  // namespace converge
