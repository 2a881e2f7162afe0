#include "e2e_fixture.hpp"

#include "converge/client_factory.hpp"
#include "arm/curl_transport.hpp"
#include "converge/model_upload.hpp"
#include "converge/render.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace converge::testing {

emulator::Options fast_emulator() {
    emulator::Options options;
    options.state_dir = ":memory:";
    options.retry_after_seconds = 1;
    options.retry_after_ms = 5;
    return options;
}

namespace {

tl::expected<std::shared_ptr<ArmClient>, std::string> wrapped_client(const ClientOptions& options, const EnvLookup& env,
                                                                     const TransportWrap& wrap) {
    CurlOptions curl;
    curl.ca_bundle = options.ca_bundle;
    auto transport = wrap(std::make_shared<CurlTransport>(curl));
    auto clock = std::make_shared<SystemClock>();
    auto credential = make_default_credential(options.credentials, env, transport, clock, system_process_runner());
    return std::make_shared<ArmClient>(options, transport, credential, clock, std::make_shared<DefaultRandom>());
}

}  // namespace

E2e::E2e(emulator::Options options, const TransportWrap& wrap)
    : m_emulator(std::make_unique<emulator::Emulator>(std::move(options))) {
    m_emulator->start();
    const auto& creds = m_emulator->credentials();
    ClientOptions client;
    client.arm_endpoint = m_emulator->base_url();
    client.ca_bundle = m_emulator->ca_path();
    client.credentials.authority_host = m_emulator->base_url();
    client.credentials.azure_cli = false;
    client.credentials.service_principal =
        ServicePrincipal{m_emulator->base_url(), creds.tenant_id, creds.client_id, creds.client_secret, false};
    client.retry.base_delay = std::chrono::milliseconds(5);
    client.retry.max_delay = std::chrono::milliseconds(50);
    client.lro_default_interval = std::chrono::milliseconds(20);
    const EnvLookup no_env = [](const std::string&) { return std::optional<std::string>(); };
    auto made = wrap ? wrapped_client(client, no_env, wrap) : make_arm_client(client, no_env);
    REQUIRE_MESSAGE(made, (made ? "" : made.error()));
    m_api = std::make_unique<ArmClientApi>(*made);
}

E2e::~E2e() = default;

std::unique_ptr<ArmClientApi> E2e::client_as(const emulator::Credentials& creds) {
    ClientOptions client;
    client.arm_endpoint = m_emulator->base_url();
    client.ca_bundle = m_emulator->ca_path();
    client.credentials.authority_host = m_emulator->base_url();
    client.credentials.azure_cli = false;
    client.credentials.service_principal =
        ServicePrincipal{m_emulator->base_url(), creds.tenant_id, creds.client_id, creds.client_secret, false};
    const EnvLookup no_env = [](const std::string&) { return std::optional<std::string>(); };
    auto made = make_arm_client(client, no_env);
    REQUIRE_MESSAGE(made, (made ? "" : made.error()));
    return std::make_unique<ArmClientApi>(*made);
}

const std::string& E2e::subscription() const { return m_emulator->credentials().subscription_id; }

LoadResult E2e::load(const std::map<std::string, std::string>& files, const std::string& config) const {
    std::vector<SourceFile> sources;
    bool uses_tenant = config.find("${var:tenant}") != std::string::npos;
    for (const auto& [name, text] : files) {
        sources.push_back(SourceFile{name, text});
        uses_tenant = uses_tenant || text.find("${var:tenant}") != std::string::npos;
    }
    LoadOptions options;
    options.default_subscription = subscription();
    options.require_subscription = true;
    if (uses_tenant) {  // a --var nothing uses is an error
        options.vars.emplace_back("tenant", m_emulator->credentials().tenant_id);
    }
    return load_sources(sources, SourceFile{"converge.yaml", config}, "e2e", options);
}

ObservedState E2e::observe(const DesiredSet& desired, bool orphans) {
    ObserveOptions options;
    options.find_orphans = orphans;
    auto observed = converge::observe(desired, *m_api, options);
    REQUIRE_MESSAGE(observed, (observed ? "" : observed.error().to_string()));
    return std::move(*observed);
}

PlanResult E2e::plan(const DesiredSet& desired, PlanOptions options) {
    const ObservedState observed = observe(desired, true);  // as the CLI: orphans and contents too
    return build_plan(desired, observed, options);
}

ApplyResult E2e::apply(const DesiredSet& desired, PlanOptions options, ApplyObserver* observer,
                       const std::atomic<bool>* cancel) {
    const ObservedState observed = observe(desired, true);
    PlanResult planned = build_plan(desired, observed, options);
    REQUIRE_MESSAGE(planned.ok(), planned.diagnostics.to_string());
    ApplyOptions apply;
    apply.parallelism = 8;
    apply.cancel = cancel;
    apply.before_write = model_uploader(client());
    apply.job_poll_interval = std::chrono::milliseconds(20);
    return apply_plan(planned.plan, desired, observed, *m_api, apply, observer);
}

void require_ok(const ApplyResult& result) {
    std::string failures;
    for (const auto& s : result.steps) {
        if (s.status != StepStatus::succeeded) {
            failures += s.id.str() + ": " + step_status_name(s.status) + " " + s.message + "\n";
        }
    }
    REQUIRE_MESSAGE(result.ok(), failures);
}

void require_converged(E2e& e2e, const DesiredSet& desired, PlanOptions options) {
    const auto planned = e2e.plan(desired, options);
    REQUIRE_MESSAGE(planned.ok(), planned.diagnostics.to_string());
    CHECK_MESSAGE(!planned.plan.has_changes(), render_text(planned.plan));
}

std::uint64_t E2e::writes() const {
    const auto stats = m_emulator->stats();
    std::uint64_t n = 0;
    for (const auto& [route, count] : stats.by_route) {
        const bool write = route.rfind("PUT ", 0) == 0 || route.rfind("PATCH ", 0) == 0 ||
                           route.rfind("DELETE ", 0) == 0 ||
                           (route.rfind("POST ", 0) == 0 && route.find("oauth2") == std::string::npos);
        n += write ? count : 0;
    }
    return n;
}

void E2e::reset_counts() { m_emulator->reset_stats(); }

void apply_edits(std::map<std::string, std::string>& files, const Edits& edits) {
    for (const auto& edit : edits) {
        const std::string& from = edit.first;  // a plain reference: clang 14 cannot capture a binding
        const std::string& to = edit.second;
        bool found = false;
        for (auto& [name, text] : files) {
            if (auto pos = text.find(from); pos != std::string::npos) {
                text.replace(pos, from.size(), to);
                found = true;
            }
        }
        REQUIRE_MESSAGE(found, from);
    }
}

std::string workspace_manifests(const std::string& name) {
    return fmt::format(R"(apiVersion: converge/v1
kind: ResourceGroup
metadata: {{name: rg-{0}}}
spec: {{}}
---
apiVersion: converge/v1
kind: StorageAccount
metadata: {{name: st{0}}}
spec: {{kind: StorageV2, sku: {{name: Standard_LRS}}}}
---
apiVersion: converge/v1
kind: KeyVault
metadata: {{name: kv-{0}}}
spec:
  properties:
    tenantId: ${{var:tenant}}
    sku: {{family: A, name: standard}}
---
apiVersion: converge/v1
kind: ApplicationInsights
metadata: {{name: appi-{0}}}
spec: {{kind: web, properties: {{Application_Type: web}}}}
---
apiVersion: converge/v1
kind: Workspace
metadata: {{name: ws-{0}}}
spec:
  identity: {{type: SystemAssigned}}
  properties:
    storageAccount: ${{ref:StorageAccount/st{0}}}
    keyVault: ${{ref:KeyVault/kv-{0}}}
    applicationInsights: ${{ref:ApplicationInsights/appi-{0}}}
)", name);
}

std::string changes_of(const Plan& plan) {
    std::string out;
    for (const auto& c : plan.changes) {
        if (c.action != Action::noop) {
            out += std::string(action_name(c.action)) + " " + change_label(c) + "\n";
        }
    }
    return out;
}

}  // namespace converge::testing
