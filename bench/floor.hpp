#pragma once
// Lower bounds the measurements are compared with: the fewest requests the API needs to read
// an estate, the time they take at a given concurrency under ARM's read bucket, and the
// write-bucket bound of an apply. Pure arithmetic, documented in docs/benchmarks.md.
#include "estate.hpp"

#include <cstddef>

namespace bench {

/// An ARM token bucket: `burst` tokens, refilled at `per_second`.
struct Bucket {
    double burst = 0;
    double per_second = 0;

    /// Seconds before `requests` tokens have been granted to a client that starts with a full bucket.
    double seconds_for(std::size_t requests) const;
};

inline constexpr Bucket k_arm_reads{250, 25};
inline constexpr Bucket k_arm_writes{200, 10};

/// The minimum read requests for one observation of an estate, by collection.
struct ReadFloor {
    std::size_t group_lists = 0;      ///< GET /subscriptions/{s}/resourcegroups (pages)
    std::size_t type_lists = 0;       ///< one subscription-wide list per top-level type (pages)
    std::size_t compute_lists = 0;    ///< one per workspace (pages)
    std::size_t version_lists = 0;    ///< one per model (pages)
    /// What plan also reads to list the stack's orphans and what its scopes hold (as the CLI
    /// does): one generic `.../resources` list per group, one model-container list per workspace.
    std::size_t scope_lists = 0;
    std::size_t longest_chain = 1;    ///< most pages any one collection needs (sequential)

    std::size_t requests() const { return group_lists + type_lists + compute_lists + version_lists + scope_lists; }
    /// max(rounds at `concurrency` x rtt, longest page chain x rtt, read-bucket time).
    double seconds(std::size_t concurrency, double rtt_seconds, const Bucket& reads = k_arm_reads) const;
};

/// Counts the collections an estate's observation must list, with `page_size` items per page.
ReadFloor read_floor(const EstateShape& shape, std::size_t page_size);

/// Time for `requests` independent requests, `in_flight` at a time, each one `rtt` long,
/// under a bucket (the per-resource refresh baseline's own floor).
double paced_seconds(std::size_t requests, std::size_t in_flight, double rtt_seconds, const Bucket& bucket);

/// Provisioning durations (seconds, already time-scaled) that the apply bound needs.
struct Durations {
    double group = 0;
    double dependency = 0;  ///< the slowest of storage, key vault, app insights, registry
    double workspace = 0;
    double compute = 0;
    double model_version = 0;
};

/// The apply-from-empty bound: the dependency chain's critical path plus the write bucket.
struct ApplyBound {
    double critical_path = 0;    ///< group -> dependency -> workspace -> compute, one RTT per step added
    double write_bucket = 0;     ///< seconds the write bucket needs for every write of the apply
    std::size_t writes = 0;

    /// The target's reference: critical path + write-bucket bound.
    double reference() const { return critical_path + write_bucket; }
    /// A true lower bound: the larger of the two.
    double lower_bound() const { return critical_path > write_bucket ? critical_path : write_bucket; }
};

/// `writes` is every PUT the apply must send (manifest resources plus model containers).
ApplyBound apply_bound(const Durations& d, std::size_t writes, double rtt_seconds,
                       const Bucket& bucket = k_arm_writes);

}  // namespace bench
