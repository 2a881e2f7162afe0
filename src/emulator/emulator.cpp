#include "emulator.hpp"
#include "realism/realism.hpp"

#include "aad/aad.hpp"
#include "platform/dispatch.hpp"
#include "platform/modules.hpp"
#include "platform/server.hpp"
#include "platform/services.hpp"

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace emulator {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::map<std::string, milliseconds> default_durations() {
    return {{"default", milliseconds(50)},
            {"Microsoft.Resources/resourceGroups#delete", milliseconds(50)},
            {"Microsoft.MachineLearningServices/workspaces", milliseconds(150)},
            {"Microsoft.MachineLearningServices/workspaces#delete", milliseconds(100)},
            {"Microsoft.MachineLearningServices/workspaces/computes", milliseconds(150)},
            {"Microsoft.MachineLearningServices/workspaces/computes#delete", milliseconds(100)},
            {"Microsoft.MachineLearningServices/workspaces/computes#action", milliseconds(50)},
            // A whole command job, queued to completed (src/emulator/ml/jobs.cpp).
            {"Microsoft.MachineLearningServices/workspaces/jobs", milliseconds(400)}};
}

std::map<std::string, milliseconds> realistic_durations() {
    using std::chrono::minutes;
    using std::chrono::seconds;
    // Per-type figures and their sources live with the realism rules (docs/emulator-realism.md).
    std::map<std::string, milliseconds> table = realism::real_world_durations();
    table.merge(std::map<std::string, milliseconds>{{"default", seconds(30)},
            {"Microsoft.Resources/resourceGroups#delete", seconds(60)},
            {"Microsoft.MachineLearningServices/workspaces", minutes(10)},
            {"Microsoft.MachineLearningServices/workspaces#delete", minutes(2)},
            {"Microsoft.MachineLearningServices/workspaces/computes", minutes(8)},
            {"Microsoft.MachineLearningServices/workspaces/computes#delete", minutes(2)},
            {"Microsoft.MachineLearningServices/workspaces/computes#action", minutes(2)},
            // A short command job on a cluster that must scale up from zero: ~2 min queued and
            // preparing (node allocation, image pull), a few minutes running.
            {"Microsoft.MachineLearningServices/workspaces/jobs", minutes(6)}});
    return table;
}

struct Emulator::Server {
    std::unique_ptr<HttpServer> http;
};

namespace {

/// TLS material and the JWT key for in-memory instances: generated once per process.
struct EphemeralFiles {
    std::string dir;
    crypto::TlsFiles tls;
    std::string jwt_pem;
};

const EphemeralFiles& ephemeral_files() {
    static std::once_flag once;
    static EphemeralFiles files;
    std::call_once(once, [] {
        std::string tmpl = (fs::temp_directory_path() / "converge-emulator-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) {
            throw std::runtime_error("emulator: cannot create a temporary directory");
        }
        files.dir = tmpl;
        files.tls = crypto::ensure_tls_files(files.dir + "/tls", "");
        files.jwt_pem = crypto::generate_rsa_key_pem();
    });
    return files;
}

bool in_memory(const Options& o) { return o.state_dir.empty() || o.state_dir == ":memory:"; }

Credentials new_credentials() {
    Credentials c;
    c.tenant_id = crypto::random_uuid();
    c.subscription_id = crypto::random_uuid();
    c.subscription_name = "converge-emulator";
    c.client_id = crypto::random_uuid();
    c.object_id = crypto::random_uuid();
    c.client_secret = crypto::random_secret(40);
    return c;
}

Json credentials_json(const Credentials& c) {
    return {{"tenantId", c.tenant_id},     {"subscriptionId", c.subscription_id},
            {"subscriptionName", c.subscription_name}, {"clientId", c.client_id},
            {"objectId", c.object_id},     {"clientSecret", c.client_secret}};
}

Credentials load_or_create_credentials(const std::string& path, bool& created) {
    if (fs::exists(path)) {
        Json j = Json::parse(crypto::read_file(path));
        Credentials c;
        c.tenant_id = j.at("tenantId");
        c.subscription_id = j.at("subscriptionId");
        c.subscription_name = j.value("subscriptionName", "converge-emulator");
        c.client_id = j.at("clientId");
        c.object_id = j.at("objectId");
        c.client_secret = j.at("clientSecret");
        c.credentials_file = path;
        created = false;
        return c;
    }
    Credentials c = new_credentials();
    crypto::write_private_file(path, credentials_json(c).dump(2) + "\n");
    c.credentials_file = path;
    created = true;
    return c;
}

void ensure_subscription(Services& svc) {
    const Credentials& c = svc.credentials;
    std::string id = "/subscriptions/" + c.subscription_id;
    if (svc.store->get(id)) {
        return;
    }
    Record r;
    r.id = id;
    r.type = "microsoft.resources/subscriptions";
    r.subscription = to_lower(c.subscription_id);
    r.created_ms = svc.now_ms();
    r.body = {{"id", id},
              {"subscriptionId", c.subscription_id},
              {"tenantId", c.tenant_id},
              {"displayName", c.subscription_name},
              {"state", "Enabled"},
              {"subscriptionPolicies",
               {{"locationPlacementId", "Public_2014-09-01"}, {"quotaId", "PayAsYouGo_2014-09-01"},
                {"spendingLimit", "Off"}}},
              {"authorizationSource", "RoleBased"},
              {"managedByTenants", Json::array()},
              {"_principals", {c.object_id}}};
    r.etag = "\"" + svc.new_uuid() + "\"";
    svc.store->put(r);
}

// The host part of the URL clients use to reach a socket bound to `host`: a wildcard address
// is reached through loopback of the same family.
std::string url_host(const std::string& host) {
    if (host == "0.0.0.0") {
        return "127.0.0.1";
    }
    if (host == "::") {
        return "[::1]";
    }
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Holds an exclusive flock on <state>/lock while the state directory is first filled in
// (credentials, signing key, TLS files, the subscription), so that two emulators started at
// once on a fresh directory create one principal: the second waits, then reuses the files.
class StateLock {
public:
    explicit StateLock(const std::string& dir) {
        if (dir.empty()) {
            return;
        }
        const std::string path = dir + "/lock";
        m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0) {
            throw std::runtime_error("emulator: cannot lock " + path);
        }
    }
    ~StateLock() {
        if (m_fd >= 0) {
            ::flock(m_fd, LOCK_UN);
            ::close(m_fd);
        }
    }
    StateLock(const StateLock&) = delete;
    StateLock& operator=(const StateLock&) = delete;

private:
    int m_fd = -1;
};

void open_state(Services& svc) {
    const Options& o = svc.options;
    std::string jwt_pem;
    if (in_memory(o)) {
        const auto& eph = ephemeral_files();
        svc.store = std::make_unique<Store>(":memory:");
        svc.credentials = new_credentials();
        svc.first_start = true;
        svc.ca_path = o.tls ? eph.tls.ca_cert : "";
        jwt_pem = eph.jwt_pem;
    } else {
        svc.store = std::make_unique<Store>(svc.state_dir + "/state.db");
        svc.credentials = load_or_create_credentials(svc.state_dir + "/credentials.json", svc.first_start);
        std::string key_path = svc.state_dir + "/jwt-signing-key.pem";
        if (!fs::exists(key_path)) {
            crypto::write_private_file(key_path, crypto::generate_rsa_key_pem());
        }
        jwt_pem = crypto::read_file(key_path);
    }
    svc.jwt_key.emplace(jwt_pem);
    std::string n;
    std::string e;
    svc.jwt_key->public_numbers(n, e);
    svc.jwt_kid = crypto::sha256_hex(n).substr(0, 27);
    ensure_subscription(svc);
    // Resource Graph indexes what is stored now as written long ago, then every write as it
    // happens; it forwards to the per-resource create counts (from after the bootstrap).
    svc.graph.bootstrap(svc.store->list(RecordQuery{}));
    svc.graph.set_next(&svc.stats);
    svc.store->set_listener(&svc.graph);
}

}  // namespace

std::unique_ptr<Services> open_in_process(Options options) {
    options.state_dir.clear();
    options.tls = false;
    auto svc = std::make_unique<Services>(std::move(options));
    install_modules(svc->registry);
    open_state(*svc);
    svc->base_url = "http://127.0.0.1";
    return svc;
}

Emulator::Emulator(Options options) : m_services(std::make_unique<Services>(std::move(options))) {
    install_modules(m_services->registry);
}

Emulator::~Emulator() { stop(); }

void Emulator::start() {
    if (m_running) {
        return;
    }
    Services& svc = *m_services;
    if (svc.options.listen_host.empty()) {
        svc.options.listen_host = "127.0.0.1";  // "--listen :0": loopback, as the flag's help says
    }
    if (!is_loopback(svc.options.listen_host) && !svc.options.allow_remote) {
        throw std::runtime_error(
            "refusing to listen on " + svc.options.listen_host +
            ": the emulator's credentials are for tests and its admin API (/_emulator/*) can change "
            "fault rates; listen on a loopback address (127.0.0.1, ::1), or pass --allow-remote "
            "(the admin API then requires the token written to <state>/admin-token)");
    }
    std::string cert;
    std::string key;
    {
        if (!in_memory(svc.options)) {
            svc.state_dir = fs::absolute(svc.options.state_dir).string();
            fs::create_directories(svc.state_dir);
            ::chmod(svc.state_dir.c_str(), 0700);
        }
        StateLock lock(svc.state_dir);
        open_state(svc);
        if (svc.options.tls) {
            crypto::TlsFiles tls = in_memory(svc.options)
                                       ? ephemeral_files().tls
                                       : crypto::ensure_tls_files(svc.state_dir + "/tls", svc.options.listen_host);
            svc.ca_path = tls.ca_cert;
            cert = tls.cert;
            key = tls.key;
        }
        if (svc.options.allow_remote) {
            svc.admin_token = crypto::random_secret(40);
            svc.admin_token_file = (in_memory(svc.options) ? ephemeral_files().dir : svc.state_dir) + "/admin-token";
            crypto::write_private_file(svc.admin_token_file, svc.admin_token + "\n");
        }
    }
    m_server = std::make_unique<Server>();
    m_server->http = std::make_unique<HttpServer>(cert, key, [&svc](const Request& req) { return dispatch(svc, req); });
    int port = m_server->http->start(svc.options.listen_host, svc.options.port);
    svc.options.port = port;
    const std::string bound = m_server->http->bound_host();
    svc.base_url = std::string(svc.options.tls ? "https://" : "http://") +
                   url_host(bound.empty() ? svc.options.listen_host : bound) + ":" + std::to_string(port);
    m_running = true;
}

void Emulator::stop() {
    if (m_server) {
        m_server->http->stop();
        m_server.reset();
    }
    if (m_running) {
        m_services->store.reset();
    }
    m_running = false;
}

bool Emulator::running() const { return m_running; }
std::string Emulator::base_url() const { return m_services->base_url; }
int Emulator::port() const { return m_services->options.port; }
std::string Emulator::ca_path() const { return m_services->ca_path; }
const Credentials& Emulator::credentials() const { return m_services->credentials; }
std::string Emulator::admin_token() const { return m_services->admin_token; }
std::string Emulator::admin_token_file() const { return m_services->admin_token_file; }
bool Emulator::first_start() const { return m_services->first_start; }
std::string Emulator::state_dir() const { return m_services->state_dir; }
Stats Emulator::stats() const { return m_services->stats.snapshot(); }
void Emulator::reset_stats() { m_services->stats.reset(); }
FaultRates Emulator::faults() const { return m_services->faults.rates(); }
void Emulator::set_faults(const FaultRates& faults) { m_services->faults.set_rates(faults); }
void Emulator::set_graph_lag(std::chrono::milliseconds lag) { m_services->graph.set_lag_ms(lag.count()); }
Registry& Emulator::registry() { return m_services->registry; }

std::string Emulator::issue_token(std::chrono::seconds lifetime, const std::string& audience) const {
    return mint_token(*m_services, audience, lifetime.count());
}

Credentials Emulator::add_principal(const std::string& display_name) {
    if (!m_services->store) {
        throw std::runtime_error("emulator: add_principal needs a started emulator");
    }
    return create_principal(*m_services, display_name);
}

}  // namespace emulator
