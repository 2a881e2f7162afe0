#include "session.hpp"

#include "measure.hpp"
#include "pipeline.hpp"

#include "converge/client_factory.hpp"
#include "converge/resource_id.hpp"

#include <tls_stats.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace bench {

namespace {

constexpr int k_retry_after_seconds = 1;
constexpr int k_rtt_samples = 9;
constexpr int k_prebuild_parallelism = 64;

emulator::Options emulator_options(const Options& o) {
    emulator::Options e;
    e.tls = true;  // what converge meets in Azure: HTTPS, connections reused
    e.latency = std::chrono::milliseconds(static_cast<long>(o.latency_ms));
    e.durations = emulator::realistic_durations();
    e.time_scale = o.time_scale;
    // Real ARM sends Retry-After in whole seconds (10-600); with scaled durations one second is
    // the smallest honest value. retry-after-ms would let clients poll 100x faster than Azure allows.
    e.retry_after_seconds = k_retry_after_seconds;
    e.retry_after_ms = 0;
    e.throttling = true;
    e.throttle_scale = 1.0;  // ARM's real numbers: reads 250 + 25/s, writes 200 + 10/s
    e.page_size = o.page_size;
    e.seed = o.seed;
    return e;
}

// Only ARM routes: the token endpoint's POSTs are not writes.
bool is_arm_route(const std::string& route) {
    const auto space = route.find(' ');
    return space != std::string::npos && route.compare(space + 1, 14, "/subscriptions") == 0;
}

std::string lower(std::string s) { return converge::to_lower(s); }

}  // namespace

RequestCounts RequestCounts::operator-(const RequestCounts& o) const {
    return {reads - o.reads, writes - o.writes, deletes - o.deletes, polls - o.polls, throttled - o.throttled};
}

converge::Json RequestCounts::to_json() const {
    return {{"reads", reads}, {"writes", writes}, {"deletes", deletes}, {"polls", polls}, {"throttled", throttled}};
}

Session::Session(const Options& options, std::size_t n, bool prebuilt) : m_options(options) {
    emulator::Options e = emulator_options(options);
    if (prebuilt) {
        e.state_dir = (options.workdir / fmt::format("state-{}", n)).string();
        prebuild(e.state_dir, n);
    } else {
        m_emulator = std::make_unique<emulator::Emulator>(e);
        m_emulator->start();
        load(n);
    }
    if (prebuilt) {
        m_emulator = std::make_unique<emulator::Emulator>(e);
        m_emulator->start();
    }
    m_rtt = measure_rtt();
    std::cerr << fmt::format("emulator at {}: {} resources ({}), rtt {:.1f} ms\n", m_emulator->base_url(),
                             m_desired.resources.size(), m_shape.describe(), m_rtt * 1e3);
}

void Session::load(std::size_t n) {
    m_shape = EstateShape::for_size(n, m_options.models);
    const std::string subscription = m_emulator->credentials().subscription_id;
    m_dir = m_options.workdir / fmt::format("estate-{}", n);
    write_manifests(m_shape, m_dir, subscription);
    LoadedEstate loaded = load_estate(m_dir, subscription);
    if (!loaded.errors.empty()) {
        throw std::runtime_error("the generated estate does not load:\n" + loaded.errors);
    }
    m_desired = std::move(loaded.desired);
}

void Session::prebuild(const std::filesystem::path& state_dir, std::size_t n) {
    // Unthrottled, no latency, short durations: only the end state matters here.
    emulator::Options fast;
    fast.state_dir = state_dir.string();
    fast.throttling = false;
    fast.time_scale = 0.0005;
    fast.durations = emulator::realistic_durations();
    fast.retry_after_ms = 50;
    fast.page_size = m_options.page_size;
    m_emulator = std::make_unique<emulator::Emulator>(fast);
    m_emulator->start();
    load(n);
    std::cerr << fmt::format("creating the {}-resource estate to plan (not measured) ...\n", n);
    const Stopwatch sw;
    auto api = fresh_api(false);
    converge_estate(m_desired, *api, k_prebuild_parallelism);
    std::cerr << fmt::format("  created in {:.1f} s\n", sw.wall());
    m_emulator->stop();
    m_emulator.reset();
}

Session::~Session() { m_emulator->stop(); }

std::unique_ptr<RecordingApi> Session::fresh_api(bool paced) const {
    const auto& c = m_emulator->credentials();
    converge::ClientOptions o;
    o.arm_endpoint = m_emulator->base_url();
    o.ca_bundle = m_emulator->ca_path();
    o.pacing.enabled = paced;
    o.credentials.azure_cli = false;
    converge::ServicePrincipal sp;
    sp.authority_host = m_emulator->base_url();
    sp.tenant_id = c.tenant_id;
    sp.client_id = c.client_id;
    sp.client_secret = c.client_secret;
    o.credentials.service_principal = sp;
    if (std::getenv("CONVERGE_BENCH_VERBOSE") != nullptr) {
        // Milliseconds since the client was made: where a phase's wall time goes.
        const auto start = std::chrono::steady_clock::now();
        o.on_request = [start](const converge::RequestEvent& e) {
            const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
            std::cerr << fmt::format("  [{:8.1f} ms] {}\n", ms.count(), e.to_string());
        };
    }
    // Nothing from this process's environment (a stray CONVERGE_ACCESS_TOKEN) may interfere.
    const converge::EnvLookup no_env = [](const std::string&) { return std::optional<std::string>(); };
    auto client = converge::make_arm_client(o, no_env);
    if (!client) {
        throw std::runtime_error("cannot make a client: " + client.error());
    }
    return std::make_unique<RecordingApi>(*client);
}

RequestCounts Session::counts() const {
    const emulator::Stats stats = m_emulator->stats();
    RequestCounts c;
    for (const auto& [route, n] : stats.by_route) {
        if (!is_arm_route(route)) {
            continue;
        }
        const std::string method = route.substr(0, route.find(' '));
        if (method == "GET" || method == "HEAD") {
            c.reads += static_cast<long>(n);
        } else if (method == "DELETE") {
            c.deletes += static_cast<long>(n);
        } else {
            c.writes += static_cast<long>(n);
        }
    }
    c.throttled = static_cast<long>(stats.throttled);
    return c;
}

std::pair<long, long> Session::tls_handshakes() const {
    const emulator::TlsHandshakes tls = emulator::tls_handshakes(m_emulator->port());
    return {static_cast<long>(tls.total), static_cast<long>(tls.resumed)};
}

std::vector<std::string> Session::command_env() const {
    const auto& c = m_emulator->credentials();
    std::vector<std::string> env = {
        "CONVERGE_ARM_ENDPOINT=" + m_emulator->base_url(), "CONVERGE_CA_BUNDLE=" + m_emulator->ca_path(),
        "AZURE_AUTHORITY_HOST=" + m_emulator->base_url(), "AZURE_TENANT_ID=" + c.tenant_id,
        "AZURE_CLIENT_ID=" + c.client_id, "AZURE_CLIENT_SECRET=" + c.client_secret,
        "AZURE_SUBSCRIPTION_ID=" + c.subscription_id, "HOME=" + m_options.workdir.string(), "NO_COLOR=1"};
    if (const char* path = std::getenv("PATH")) {
        env.push_back(std::string("PATH=") + path);
    }
    return env;
}

int Session::client_parallelism() const { return converge::ClientOptions{}.parallelism; }

double Session::duration_of(const std::string& arm_type) const {
    const auto durations = emulator::realistic_durations();
    for (const auto& [key, d] : durations) {
        if (lower(key) == lower(arm_type)) {
            return static_cast<double>(d.count()) / 1000.0 * m_options.time_scale;
        }
    }
    return 0;
}

Durations Session::durations() const {
    Durations d;
    d.group = duration_of("Microsoft.Resources/resourceGroups");
    for (const char* t : {"Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults",
                          "Microsoft.Insights/components", "Microsoft.ContainerRegistry/registries"}) {
        d.dependency = std::max(d.dependency, duration_of(t));
    }
    d.workspace = duration_of("Microsoft.MachineLearningServices/workspaces");
    d.compute = duration_of("Microsoft.MachineLearningServices/workspaces/computes");
    d.model_version = duration_of("Microsoft.MachineLearningServices/workspaces/models/versions");
    return d;
}

int Session::retry_after_seconds() const { return k_retry_after_seconds; }

double Session::measure_rtt() const {
    auto api = fresh_api();
    const std::string path = "/subscriptions/" + m_emulator->credentials().subscription_id;
    (void)api->client().send("GET", path, "2022-12-01", "");  // token and connection set up
    std::vector<double> samples;
    for (int i = 0; i < k_rtt_samples; ++i) {
        const Stopwatch sw;
        (void)api->client().send("GET", path, "2022-12-01", "");
        samples.push_back(sw.wall());
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

converge::Json Session::describe() const {
    return {{"emulator", {{"latency_ms", m_options.latency_ms}, {"time_scale", m_options.time_scale},
                          {"retry_after_s", k_retry_after_seconds}, {"page_size", m_options.page_size},
                          {"throttling", "ARM: reads 250 + 25/s, writes 200 + 10/s, deletes 200 + 10/s"},
                          {"tls", true}}},
            {"estate", {{"resources", m_desired.resources.size()}, {"shape", m_shape.describe()}}},
            {"rtt_ms", m_rtt * 1e3},
            {"client_parallelism", client_parallelism()}};
}

}  // namespace bench

