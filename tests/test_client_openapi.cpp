// Issue 4 proof: every request converge's real client sends while applying an estate with every
// kind (create, update of each, destroy) is checked against the official OpenAPI files under
// $CONVERGE_SHARED/reference/azure-ml-rest/spec: path, api-version and body schema.
#include "e2e_fixture.hpp"
#include "openapi_checker.hpp"

#include "converge/http.hpp"
#include "converge/kinds.hpp"
#include "converge/render.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

using namespace converge;
using converge::test::OpenApiChecker;
using converge::testing::E2e;
using converge::testing::apply_edits;

namespace {

/// One request as converge sent it.
struct Sent {
    std::string method;
    std::string url;
    std::string body;
    bool poll = false;  ///< to a URL a response handed out (Azure-AsyncOperation, Location)
};

/// Passes requests through and keeps a copy of each (token requests included).
class RecordingTransport final : public Transport {
public:
    explicit RecordingTransport(std::shared_ptr<Transport> inner) : m_inner(std::move(inner)) {}

    HttpResponse send(const HttpRequest& request) override {
        bool poll = false;
        {
            std::lock_guard lock(m_mutex);
            poll = m_handed_out.count(request.url) > 0;
        }
        HttpResponse response = m_inner->send(request);
        std::lock_guard lock(m_mutex);
        for (const char* h : {"Azure-AsyncOperation", "Location"}) {
            if (auto url = response.headers.get(h)) {
                m_handed_out.insert(*url);
            }
        }
        m_sent.push_back({request.method, request.url, request.body, poll});
        return response;
    }

    /// The requests recorded since the last call, and forgets them.
    std::vector<Sent> take() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_sent, {});
    }

private:
    std::shared_ptr<Transport> m_inner;
    std::mutex m_mutex;
    std::vector<Sent> m_sent;
    std::set<std::string> m_handed_out;
};

// Which kind a request is about, from its path ("" = none of ours, e.g. a token request).
std::string kind_of(const std::string& url) {
    const std::string p = to_lower(url_path_and_query(url).substr(0, url_path_and_query(url).find('?')));
    auto has = [&](const char* s) { return p.find(s) != std::string::npos; };
    if (has("/oauth2/") || p.starts_with("/inference/")) {
        return "";  // tokens; an online endpoint's scoring call (data plane, not an ARM operation)
    }
    if (!p.starts_with("/subscriptions/") && (has("/localupload/") || to_lower(url).find("restype=container") != std::string::npos)) {
        return "";  // uploads to a datastore (Blob data plane, path-style in the emulator)
    }
    if (has("/microsoft.machinelearningservices/workspaces")) {
        if (has("/jobs")) {
            return "Job";
        }
        if (has("/codes")) {
            return "Code version";
        }
        if (has("/onlineendpoints")) {
            return has("/deployments") ? "OnlineDeployment" : "OnlineEndpoint";
        }
        if (has("/computes")) {
            return has("/computes/ci-") ? "Compute (ComputeInstance)" : has("/computes/") ? "Compute (AmlCompute)" : "Compute";
        }
        if (has("/versions")) {
            return "Model version";
        }
        if (has("/models")) {
            return "Model container";
        }
        return "Workspace";
    }
    for (const auto& [provider, kind] : std::vector<std::pair<const char*, const char*>>{
             {"/microsoft.storage/", "StorageAccount"},
             {"/microsoft.keyvault/", "KeyVault"},
             {"/microsoft.insights/", "ApplicationInsights"},
             {"/microsoft.containerregistry/", "ContainerRegistry"}}) {
        if (has(provider)) {
            return kind;
        }
    }
    return has("/resourcegroups") ? "ResourceGroup" : "other";
}

// Kinds whose OpenAPI files are not under spec/ (see spec/INDEX.md): only the api-version is
// checked, against the kind registry's pinned one.
const std::map<std::string, std::string> k_no_spec = {{"StorageAccount", "StorageAccount"},
                                                      {"KeyVault", "KeyVault"},
                                                      {"ApplicationInsights", "ApplicationInsights"},
                                                      {"ContainerRegistry", "ContainerRegistry"}};

std::string api_version_of(const std::string& url) {
    const auto at = url.find("api-version=");
    return at == std::string::npos ? "" : url.substr(at + 12, url.find('&', at) - (at + 12));
}

/// What was checked: "<kind> <METHOD>" -> count, and every violation.
struct Report {
    std::map<std::string, int> seen;
    std::vector<std::string> violations;
};

void check_all(const std::vector<Sent>& sent, Report& report) {
    const auto& spec = OpenApiChecker::shared();
    for (const auto& s : sent) {
        const std::string kind = kind_of(s.url);
        if (kind.empty() || s.poll) {
            continue;  // token requests; status monitors are not operations of the spec
        }
        ++report.seen[kind + " " + s.method];
        const std::string where = s.method + " " + url_path_and_query(s.url);
        if (auto no_spec = k_no_spec.find(kind); no_spec != k_no_spec.end()) {
            const auto* info = find_kind(no_spec->second);
            if (api_version_of(s.url) != std::string(info->api_version)) {
                report.violations.push_back(where + ": api-version is not the pinned " + std::string(info->api_version));
            }
            continue;
        }
        Json body;
        const bool has_body = !s.body.empty();
        if (has_body) {
            body = Json::parse(s.body, nullptr, false);
        }
        // Resource groups: the spec copy is 2019-10-01, converge pins 2021-04-01 (same shape, CONTRACT.md 1.1).
        const converge::test::SpecOptions options{kind == "ResourceGroup"};
        const auto r = spec.check_request(s.method, s.url, has_body ? &body : nullptr, options);
        if (!r.ok()) {
            report.violations.push_back(where + ": " + r.to_string());
        }
    }
}

std::map<std::string, std::string> example_files(const std::vector<std::pair<std::string, std::string>>& edits,
                                                 const std::string& estate = "examples") {
    std::map<std::string, std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(std::string(CONVERGE_SOURCE_DIR) + "/manifests/" + estate)) {
        std::ifstream in(e.path());
        std::stringstream text;
        text << in.rdbuf();
        files[e.path().filename().string()] = text.str();
    }
    apply_edits(files, edits);
    return files;
}

DesiredSet load_examples(E2e& e2e, const std::vector<std::pair<std::string, std::string>>& edits = {},
                         const std::string& estate = "examples") {
    auto files = example_files(edits, estate);
    const std::string config = files.at("converge.yaml");
    files.erase("converge.yaml");
    auto loaded = e2e.load(files, config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

void require_applied(const ApplyResult& result) {
    std::string failures;
    for (const auto& s : result.steps) {
        if (s.status != StepStatus::succeeded) {
            failures += s.id.str() + ": " + step_status_name(s.status) + " " + s.message + "\n";
        }
    }
    REQUIRE_MESSAGE(result.ok(), failures);
}

}  // namespace

TEST_SUITE("client") {

TEST_CASE("every request converge sends for every kind conforms to the official OpenAPI files") {
    if (!OpenApiChecker::shared().available()) {
        MESSAGE("SKIPPED: no OpenAPI files under " << converge::test::spec_dir() << " (set CONVERGE_SHARED)");
        return;
    }
    // Owned by the client, so its connections close before the emulator stops.
    RecordingTransport* recorder = nullptr;
    E2e e2e(converge::testing::fast_emulator(), [&](std::shared_ptr<Transport> inner) {
        auto made = std::make_shared<RecordingTransport>(std::move(inner));
        recorder = made.get();
        return made;
    });
    std::map<std::string, Report> phases;

    const DesiredSet desired = load_examples(e2e);
    require_applied(e2e.apply(desired));
    check_all(recorder->take(), phases["create"]);

    const DesiredSet changed = load_examples(e2e, {{"environment: demo", "environment: staging"},
                                                  {"accessTier: Hot", "accessTier: Cool"},
                                                  {"enableRbacAuthorization: true", "enableRbacAuthorization: false"},
                                                  {"RetentionInDays: 30", "RetentionInDays: 90"},
                                                  {"adminUserEnabled: false", "adminUserEnabled: true"},
                                                  {"friendlyName: MLOps demo workspace", "friendlyName: Renamed"},
                                                  {"cluster_max_nodes: 4", "cluster_max_nodes: 6"},
                                                  {"Retrained on Q4 data", "Retrained on Q4 data, re-scored"}});
    const auto planned = e2e.plan(changed);
    CHECK(planned.plan.count(Action::update) == changed.resources.size());  // every resource, in place
    CHECK_MESSAGE(planned.plan.count(Action::replace) == 0, render_text(planned.plan));
    require_applied(e2e.apply(changed));
    check_all(recorder->take(), phases["update"]);

    require_applied(e2e.apply(changed, PlanOptions{true, true}));
    check_all(recorder->take(), phases["destroy"]);

    for (const auto& [phase_, report_] : phases) {
        const auto& phase = phase_;  // a reference, not a binding: clang 14 lambdas cannot capture one
        const auto& report = report_;
        std::string all;
        for (const auto& v : report.violations) {
            all += v + "\n";
        }
        CHECK_MESSAGE(report.violations.empty(), phase << ":\n" << all);
    }
    // Every kind was exercised: created, read, updated, and (except the container) deleted.
    const std::vector<std::string> kinds = {"ResourceGroup", "StorageAccount", "KeyVault", "ApplicationInsights",
                                            "ContainerRegistry", "Workspace", "Compute (AmlCompute)",
                                            "Compute (ComputeInstance)", "Model version"};
    auto seen = [&](const std::string& phase, const std::string& kind, std::initializer_list<const char*> methods) {
        int n = 0;
        for (const char* m : methods) {
            auto it = phases[phase].seen.find(kind + " " + m);
            n += it == phases[phase].seen.end() ? 0 : it->second;
        }
        return n;
    };
    for (const auto& kind : kinds) {
        CHECK_MESSAGE(seen("create", kind, {"PUT"}) > 0, kind << " was not created");
        CHECK_MESSAGE(seen("update", kind, {"PUT", "PATCH"}) > 0, kind << " was not updated");
        CHECK_MESSAGE(seen("destroy", kind, {"DELETE"}) > 0, kind << " was not deleted");
        CHECK_MESSAGE(seen("create", kind, {"GET"}) + seen("create", "Compute", {"GET"}) > 0, kind << " was not read");
    }
    CHECK_MESSAGE(seen("create", "Model container", {"PUT"}) > 0, "the model container was not created");
}

TEST_CASE("every request for online endpoints and deployments conforms to the official OpenAPI files") {
    if (!OpenApiChecker::shared().available()) {
        MESSAGE("SKIPPED: no OpenAPI files under " << converge::test::spec_dir() << " (set CONVERGE_SHARED)");
        return;
    }
    RecordingTransport* recorder = nullptr;
    E2e e2e(converge::testing::fast_emulator(), [&](std::shared_ptr<Transport> inner) {
        auto made = std::make_shared<RecordingTransport>(std::move(inner));
        recorder = made.get();
        return made;
    });
    std::map<std::string, Report> phases;
    const DesiredSet desired = load_examples(e2e, {}, "mlops-endpoint");
    require_applied(e2e.apply(desired));
    check_all(recorder->take(), phases["create"]);
    // Traffic (a PUT of the endpoint), tags (PATCH of both), a deployment's instance count (PATCH).
    const DesiredSet changed = load_examples(e2e, {{"environment: demo", "environment: staging"},
                                                  {"blue: 90\n      green: 10", "blue: 50\n      green: 50"},
                                                  {"capacity: 1\n  properties:\n    endpointComputeType: Managed\n    model: ${ref:Model/churn@2}",
                                                   "capacity: 2\n  properties:\n    endpointComputeType: Managed\n    model: ${ref:Model/churn@2}"}},
                                             "mlops-endpoint");
    require_applied(e2e.apply(changed));
    check_all(recorder->take(), phases["update"]);
    require_applied(e2e.apply(changed, PlanOptions{true, true}));
    check_all(recorder->take(), phases["destroy"]);
    for (const auto& [phase_, report_] : phases) {
        const auto& phase = phase_;  // a reference, not a binding: clang 14 lambdas cannot capture one
        const auto& report = report_;
        std::string all;
        for (const auto& v : report.violations) {
            all += v + "\n";
        }
        CHECK_MESSAGE(report.violations.empty(), phase << ":\n" << all);
    }
    for (const char* kind : {"OnlineEndpoint", "OnlineDeployment"}) {
        CHECK_MESSAGE(phases["create"].seen[std::string(kind) + " PUT"] > 0, kind);
        CHECK_MESSAGE(phases["destroy"].seen[std::string(kind) + " DELETE"] > 0, kind);
    }
    // The endpoint's tags and traffic change together (a PUT); the deployments' tags and capacity (PATCH).
    CHECK(phases["update"].seen["OnlineEndpoint PUT"] > 0);
    CHECK(phases["update"].seen["OnlineDeployment PATCH"] == 2);
    CHECK(phases["create"].seen["OnlineEndpoint POST"] == 1);  // the smoke test's listKeys
}

TEST_CASE("every request for a job and its code asset conforms to the official OpenAPI files") {
    if (!OpenApiChecker::shared().available()) {
        MESSAGE("SKIPPED: no OpenAPI files under " << converge::test::spec_dir() << " (set CONVERGE_SHARED)");
        return;
    }
    RecordingTransport* recorder = nullptr;
    E2e e2e(converge::testing::fast_emulator(), [&](std::shared_ptr<Transport> inner) {
        auto made = std::make_shared<RecordingTransport>(std::move(inner));
        recorder = made.get();
        return made;
    });
    // The estate's code: src/ next to the manifests (the loader resolves it against the manifest's
    // directory, here the checkout's).
    auto files = example_files({}, "mlops-training");
    const std::string config = files.at("converge.yaml");
    files.erase("converge.yaml");
    files.erase("src");
    std::map<std::string, std::string> placed;
    for (auto& [name, text] : files) {
        placed[std::string(CONVERGE_SOURCE_DIR) + "/manifests/mlops-training/" + name] = std::move(text);
    }
    auto loaded = e2e.load(placed, config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    Report report;
    require_applied(e2e.apply(loaded.desired));
    check_all(recorder->take(), report);
    std::string all;
    for (const auto& v : report.violations) {
        all += v + "\n";
    }
    CHECK_MESSAGE(report.violations.empty(), all);
    CHECK(report.seen["Job PUT"] == 1);
    CHECK(report.seen["Job GET"] >= 2);  // followed until Completed
    CHECK(report.seen["Code version GET"] == 1);
    CHECK(report.seen["Code version PUT"] == 1);
}

}  // TEST_SUITE
