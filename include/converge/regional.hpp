#pragma once
// The Azure ML regional API of the 2020 REST how-to (CONTRACT.md 1.4): a workspace's
// properties.discoveryUrl names the regional hosts; history/v1.0 lists experiments and runs,
// execution/v1.0 starts a run from a zipped project, artifact/v2.0 holds a run's logs,
// modelmanagement/v1.0 lists models. Used by `converge get experiments|runs|models --api v1`
// and `converge run` (docs/regional.md). Only this client touches the network; it never prints.
#include "converge/api_error.hpp"
#include "converge/arm_client.hpp"
#include "converge/json.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace converge {

/// The workspace the regional calls are about.
struct RegionalWorkspace {
    std::string subscription;
    std::string resource_group;
    std::string workspace;

    /// Its ARM id, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws".
    std::string arm_id() const;
};

/// Where resolved discovery documents are kept between runs.
struct DiscoveryCacheOptions {
    std::filesystem::path dir;                           ///< empty: no cache
    std::chrono::seconds max_age{std::chrono::hours(24)};  ///< older entries are fetched again
};

/// The cache directory for a user: $XDG_CACHE_HOME/converge/regional, else
/// $HOME/.cache/converge/regional, else empty (no cache).
std::filesystem::path default_discovery_cache_dir();

/// A workspace's regional endpoints: the discovery document's service base URLs.
struct RegionalEndpoints {
    std::string discovery_url;
    Json services = Json::object();  ///< {"api": "https://...", "history": ..., "modelmanagement": ...}
    bool from_cache = false;

    /// The base URL of a service ("history", "modelmanagement"); the doc's rule: `api` when the
    /// discovery document does not name the service. No trailing '/'.
    std::string base(const std::string& service) const;
};

/// One artifact of a run's logs.
struct RunLog {
    std::string path;     ///< e.g. "azureml-logs/70_driver_log.txt"
    std::string content;
};

/// A run seen while following it.
struct RunUpdate {
    std::string status;  ///< Queued, Running, Completed, Failed, ...
    Json run;            ///< the whole run body
};

/// True for a run status that will not change (Completed, Failed, Canceled).
bool run_status_terminal(const std::string& status);

class RegionalClient {
public:
    /// The token audience of the regional calls. The 2020 how-to sends its ARM token (CONTRACT.md
    /// 1.4 item 4); converge asks for an Azure ML token, the audience the client lets go to the
    /// regional hosts (*.api.azureml.ms, docs/client.md "Where tokens go"), so that a token able to
    /// manage the subscription never leaves ARM. The discovery document is fetched without a token.
    static constexpr const char* k_default_audience = "https://ml.azure.com";

    /// Workspace reads go to ARM through `client`; regional calls to the discovered `api` host.
    RegionalClient(ArmClient& client, RegionalWorkspace workspace, DiscoveryCacheOptions cache = {},
                   std::string audience = k_default_audience);

    /// GET the workspace's discoveryUrl and the discovery document, or the cached copy.
    ApiResult<RegionalEndpoints> discover();

    /// history/v1.0 experiments (every page).
    ApiResult<std::vector<Json>> experiments();
    /// history/v1.0 runs of one experiment, or of every experiment when `experiment` is empty.
    ApiResult<std::vector<Json>> runs(const std::string& experiment);
    /// One run; when `experiment` is empty the experiment is found by listing.
    ApiResult<Json> run(const std::string& experiment, const std::string& run_id);
    /// The experiment a run belongs to (by listing every experiment's runs).
    ApiResult<std::string> experiment_of(const std::string& run_id);

    /// POST execution/v1.0 .../experiments/{experiment}/startrun, multipart/form-data with the
    /// parts projectZipFile and runDefinitionFile; returns the runId.
    ApiResult<std::string> start_run(const std::string& experiment, const std::string& project_zip,
                                     const std::string& run_definition);

    /// Polls the run every `interval` until its status is terminal, calling `on_change` each time
    /// the status differs from the one before (the first status included). The final run.
    ApiResult<Json> follow_run(const std::string& experiment, const std::string& run_id,
                               std::chrono::milliseconds interval, const std::function<void(const RunUpdate&)>& on_change,
                               std::chrono::milliseconds timeout = std::chrono::hours(24));

    /// history/v1.0 metrics the run has logged: [{"name", "value", "step"?, ...}].
    ApiResult<std::vector<Json>> metrics(const std::string& experiment, const std::string& run_id);
    /// artifact/v2.0: the run's log artifacts (ExperimentRun/dcid.<runId>, paths under azureml-logs/ or logs/) and their text.
    ApiResult<std::vector<RunLog>> logs(const std::string& run_id);

    /// modelmanagement/v1.0 models, optionally only those of one name.
    ApiResult<std::vector<Json>> models(const std::string& name = {});

private:
    CallOptions call_options() const;
    ApiResult<std::string> url(const std::string& service, const std::string& group, const std::string& tail);
    ApiResult<std::vector<Json>> list(const std::string& service, const std::string& group, const std::string& tail);

    ArmClient& m_client;
    RegionalWorkspace m_workspace;
    DiscoveryCacheOptions m_cache;
    std::string m_audience;
    std::optional<RegionalEndpoints> m_endpoints;
};

/// A project to send to startrun: the zip of a directory and its run definition.
struct RunProject {
    std::string zip;         ///< the zip archive's bytes
    std::string definition;  ///< the run definition, JSON text as given
    std::string script;      ///< Configuration.Script
    std::size_t files = 0;   ///< files in the zip
};

/// Reads the run definition (JSON with Configuration.Script, CONTRACT.md 1.4), checks that the
/// entry script is a file at the root of `source` (relative to it), then zips every regular file
/// under `source` with paths relative to it. Errors are messages for the user: a bad definition
/// names its file (and line:col for JSON syntax), a missing script names the directory and the
/// `.py` files it has at its root.
tl::expected<RunProject, std::string> pack_run_project(const std::filesystem::path& source,
                                                       const std::filesystem::path& definition_file);

}  // namespace converge
