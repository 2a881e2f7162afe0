#pragma once
// What every handler can reach: options, state, identities, clock, counters.
#include "aad/crypto.hpp"
#include "emulator.hpp"
#include "platform/faults.hpp"
#include "platform/registry.hpp"
#include "platform/stats.hpp"
#include "platform/store.hpp"
#include "arm/throttle.hpp"
#include "arm/resource_graph.hpp"
#include "aad/token_cache.hpp"
#include "aad/apps.hpp"

#include <atomic>
#include <memory>
#include <optional>

namespace emulator {

/// Shared state of one emulator instance.
struct Services {
    explicit Services(Options opts);

    Options options;
    Registry registry;
    std::unique_ptr<Store> store;
    Credentials credentials;
    bool first_start = false;
    std::optional<crypto::RsaKey> jwt_key;
    std::string jwt_kid;
    mutable TokenCache verified_tokens;  ///< tokens signed by jwt_key, with their claims
    mutable AppDirectory apps;           ///< certificate and federated credentials, trusted issuers
    std::string base_url;
    std::string ca_path;
    std::string state_dir;
    std::string admin_token;       ///< required on /_emulator/* when non-empty (allow_remote)
    std::string admin_token_file;
    StatsCollector stats;
    Faults faults;
    Throttle throttle;
    GraphIndex graph;         ///< Resource Graph's lagging index (the store's listener)
    GraphQuota graph_quota;   ///< Resource Graph's per-user query quota
    std::atomic<std::uint64_t> request_seq{0};
    std::atomic<std::uint64_t> id_seq{0};

    /// Epoch milliseconds from Options::clock or the system clock.
    std::int64_t now_ms() const;
    /// Now as ISO-8601 UTC with milliseconds ("2026-11-26T07:31:53.123Z").
    std::string now_iso() const;
    /// A UUID derived from the seed and a counter (deterministic within one run).
    std::string new_uuid();
    /// The provisioning duration for a key ("<type>", "<type>#delete", ...), time-scaled.
    std::int64_t duration_ms(const std::string& key) const;
    /// Retry-After seconds to send (never 0).
    int retry_after() const;
};

/// Services with in-memory state that answer dispatch() in-process and listen nowhere
/// (the request-routing fuzz target): what Emulator::start() opens, without the server.
std::unique_ptr<Services> open_in_process(Options options);

/// ISO-8601 UTC with milliseconds for an epoch-ms instant.
std::string iso_time(std::int64_t epoch_ms);

}  // namespace emulator
