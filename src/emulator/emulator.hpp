#pragma once
// The emulator's public face: a local Azure (Entra ID token endpoints + ARM + Azure ML) that
// the converge CLI (--emulator, `converge emulator`), the tests and the benchmarks start.
// Nothing under include/converge is visible here: the emulator is an independent reading
// of the contract in ../shared/reference/azure-ml-rest. See docs/emulator.md.
//
//   emulator::Options opts;                 // in-memory, HTTPS, ephemeral port, tiny durations
//   emulator::Emulator emu(opts);
//   emu.start();                            // throws std::runtime_error on fatal setup errors
//   auto url = emu.base_url();              // "https://127.0.0.1:41234"
//   auto creds = emu.credentials();         // tenant/subscription/client id + secret
//   ... talk HTTPS to url, trusting emu.ca_path() ...
//   emu.stop();                             // also done by the destructor
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace emulator {

/// Fault injection rates, each a probability in [0, 1] per request (or per async operation).
/// Decisions are a pure function of the seed and the request's sequence number.
struct FaultRates {
    double server_error = 0;      ///< answer 500 InternalServerError (or 503) instead of handling
    double throttle = 0;          ///< answer 429 TooManyRequests with Retry-After
    double connection_reset = 0;  ///< send headers then drop the connection
    double slow_response = 0;     ///< delay the response by `slow_delay`
    double async_failure = 0;     ///< an async operation ends Failed instead of Succeeded
    std::chrono::milliseconds slow_delay{2000};
};

/// Everything the emulator can be told at start.
struct Options {
    std::string listen_host = "127.0.0.1";  ///< loopback unless told otherwise ("" = 127.0.0.1)
    /// Listening on a non-loopback address exposes test credentials and the admin API
    /// (/_emulator/*): refused unless set, and then the admin API requires admin_token().
    bool allow_remote = false;
    int port = 0;                           ///< 0 = an ephemeral port (see Emulator::port())
    std::string state_dir;  ///< "" or ":memory:" = in-memory state; else a directory (created)
    bool tls = true;        ///< HTTPS with a generated CA + leaf; false = plain HTTP
    std::uint64_t seed = 1;  ///< drives fault decisions and generated ids
    std::chrono::milliseconds latency{0};  ///< added to every request
    /// Provisioning duration per operation class, before time_scale. Keys (case-insensitive):
    /// an ARM type ("Microsoft.MachineLearningServices/workspaces") or "<type>#delete",
    /// "<type>#action"; unknown types use "default". See default_durations().
    std::map<std::string, std::chrono::milliseconds> durations;
    double time_scale = 1.0;             ///< multiplies every provisioning duration
    int retry_after_seconds = 1;         ///< Retry-After on 202/201/429 (never 0: clamped to >= 1)
    int retry_after_ms = 10;             ///< also send retry-after-ms (azure-core prefers it); 0 = omit
    bool throttling = true;              ///< ARM token buckets per subscription x principal
    double throttle_scale = 1.0;         ///< multiplies bucket sizes and refill rates
    std::size_t page_size = 100;         ///< list page size (nextLink beyond it)
    FaultRates faults;                   ///< fault injection (all 0 by default)
    bool realism = true;                 ///< Azure's server-side normalisations (issue 8)
    std::chrono::seconds token_lifetime{3599};  ///< access-token lifetime
    /// Activity Log retention: events older than 90 days are dropped (as Azure does), and the
    /// oldest beyond this count.
    std::size_t activity_log_capacity = 100000;
    /// Resource Graph's lag behind ARM: a query sees each resource as it was this long ago
    /// (written later: its previous state, or absent). Also PUT /_emulator/graph.
    std::chrono::milliseconds graph_lag{0};
    /// Resource Graph's per-user quota: this many queries per window (Azure: 15 per 5 s).
    int graph_quota = 15;
    std::chrono::milliseconds graph_quota_window{5000};
    /// Clock in epoch milliseconds; empty = the system clock. Tests pass a manual clock so
    /// async operations complete without sleeping.
    std::function<std::int64_t()> clock;
};

/// Durations used when Options::durations names nothing: tiny (tens of ms), for tests.
std::map<std::string, std::chrono::milliseconds> default_durations();
/// Durations measured on real Azure (workspace ~10 min, AmlCompute ~8 min, ...), to combine
/// with a small time_scale for benchmarks.
std::map<std::string, std::chrono::milliseconds> realistic_durations();

/// The bootstrap identity: created with a random secret on first start, then persisted.
struct Credentials {
    std::string tenant_id;
    std::string subscription_id;
    std::string subscription_name;
    std::string client_id;      ///< the service principal's appId
    std::string object_id;      ///< the service principal's object id (oid claim)
    std::string client_secret;  ///< never logged; written to credentials_file (0600)
    std::string credentials_file;  ///< "<state>/credentials.json", "" when in-memory
};

/// What the emulator saw happen to one resource since start or the last reset (Stats::resources).
/// A create is a write that made the id exist where nothing of that id was stored; a second PUT
/// of a stored id is an update, so one id is created again only after a delete. Each create
/// after the first is a replace or a duplicate, by the state the deleted resource last settled
/// in. See docs/emulator.md "Create counts".
struct ResourceCounts {
    std::uint64_t creates = 0;     ///< every create of the id
    std::uint64_t replaces = 0;    ///< creates after a delete of it while Failed or Canceled (a repair)
    std::uint64_t duplicates = 0;  ///< creates after a delete of it while Succeeded (or in no known state)
    std::uint64_t deletes = 0;     ///< removals (a parent's delete included)
};

/// Request counters since start or the last reset.
struct Stats {
    std::uint64_t total = 0;
    std::map<std::string, std::uint64_t> by_method;  ///< "GET" -> n
    std::map<std::string, std::uint64_t> by_route;   ///< "PUT /subscriptions/{subscriptionId}/..." -> n
    std::map<int, std::uint64_t> by_status;          ///< 200 -> n
    std::uint64_t throttled = 0;                     ///< 429s from the token buckets
    std::uint64_t faults = 0;                        ///< injected request faults
    /// Injected faults by kind: "server_error", "throttle", "connection_reset", "slow_response"
    /// (requests, also in `faults`) and "async_failure" (async operations set to end Failed).
    std::map<std::string, std::uint64_t> faults_by_kind;
    std::map<std::string, ResourceCounts> resources;  ///< lower-cased resource id -> counts

    /// Sum of ResourceCounts::duplicates.
    std::uint64_t duplicate_creates() const;
};

class Registry;
struct Services;

/// A running (or startable) emulator instance. Not copyable; stop() is idempotent.
class Emulator {
public:
    explicit Emulator(Options options = {});
    ~Emulator();
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    /// Opens the state, bootstraps identities, binds and serves on a background thread.
    void start();
    /// Stops serving and closes the state (committed data stays on disk).
    void stop();
    /// True between start() and stop().
    bool running() const;

    /// "https://127.0.0.1:<port>" (or http://...), no trailing slash.
    std::string base_url() const;
    /// The bound port (useful with port 0).
    int port() const;
    /// Path of the CA certificate clients must trust ("" with tls off).
    std::string ca_path() const;
    /// The bootstrap tenant, subscription and service principal.
    const Credentials& credentials() const;
    /// True when start() created the credentials (first start of this state).
    /// The bearer token the admin API (/_emulator/*) requires when Options::allow_remote is
    /// set; "" otherwise (loopback: no token). Also in admin_token_file().
    std::string admin_token() const;
    std::string admin_token_file() const;
    bool first_start() const;
    /// The state directory in use ("" when in-memory).
    std::string state_dir() const;

    /// A copy of the request counters.
    Stats stats() const;
    /// Zeroes the request counters.
    void reset_stats();
    /// Current fault rates.
    FaultRates faults() const;
    /// Changes the fault rates at runtime (also: PUT /_emulator/faults).
    void set_faults(const FaultRates& faults);

    /// Changes Resource Graph's lag behind ARM at runtime (also: PUT /_emulator/graph).
    void set_graph_lag(std::chrono::milliseconds lag);

    /// A token for the bootstrap principal as the token endpoint would mint it; a negative
    /// lifetime gives an expired one (for tests).
    std::string issue_token(std::chrono::seconds lifetime,
                            const std::string& audience = "https://management.azure.com/") const;

    /// Creates another service principal (its own appId, objectId and secret) that can see the
    /// subscription: a test acts "as someone else" through the token endpoint with it. Also
    /// POST /_emulator/principals. Needs start().
    Credentials add_principal(const std::string& display_name = "");

    /// Extension point: the route and resource-type registry (modules.cpp installs into it).
    Registry& registry();

private:
    std::unique_ptr<Services> m_services;
    struct Server;
    std::unique_ptr<Server> m_server;
    bool m_running = false;
};

}  // namespace emulator
