#include "floor.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace bench {

namespace {

constexpr std::size_t k_top_level_types = 5;  // storage, key vault, app insights, registry, workspaces

std::size_t pages(std::size_t items, std::size_t page_size) {
    // An empty collection still costs one request to learn that it is empty.
    return std::max<std::size_t>(1, (items + page_size - 1) / page_size);
}

}  // namespace

double Bucket::seconds_for(std::size_t requests) const {
    const double beyond = static_cast<double>(requests) - burst;
    return beyond <= 0 ? 0.0 : beyond / per_second;
}

double ReadFloor::seconds(std::size_t concurrency, double rtt_seconds, const Bucket& reads) const {
    const std::size_t n = requests();
    const double rounds = std::ceil(static_cast<double>(n) / static_cast<double>(std::max<std::size_t>(1, concurrency)));
    const double by_rtt = std::max(rounds, static_cast<double>(longest_chain)) * rtt_seconds;
    return std::max(by_rtt, reads.seconds_for(n));
}

ReadFloor read_floor(const EstateShape& shape, std::size_t page_size) {
    ReadFloor f;
    f.group_lists = pages(shape.groups, page_size);
    f.longest_chain = f.group_lists;
    // Each top-level type has one instance per workspace, listed subscription-wide.
    const std::size_t per_type = pages(shape.workspaces, page_size);
    f.type_lists = k_top_level_types * per_type;
    f.longest_chain = std::max(f.longest_chain, per_type);
    // A group holds its workspaces and their four dependencies (top-level resources).
    std::vector<std::size_t> group_items(shape.groups, 0);
    for (std::size_t w = 0; w < shape.workspaces; ++w) {
        group_items[shape.group_of(w)] += 1 + k_top_level_types - 1;
    }
    for (const std::size_t items : group_items) {
        f.scope_lists += pages(items, page_size);
    }
    f.scope_lists += shape.workspaces * pages(shape.models_per_workspace, page_size);
    for (std::size_t w = 0; w < shape.workspaces; ++w) {
        const std::size_t c = pages(shape.computes[w], page_size);
        f.compute_lists += c;
        f.longest_chain = std::max(f.longest_chain, c);
        for (std::size_t m = 0; m < shape.models_per_workspace; ++m) {
            const std::size_t v = pages(shape.versions_of(w, m), page_size);
            f.version_lists += v;
            f.longest_chain = std::max(f.longest_chain, v);
        }
    }
    return f;
}

double paced_seconds(std::size_t requests, std::size_t in_flight, double rtt_seconds, const Bucket& bucket) {
    const double rounds = std::ceil(static_cast<double>(requests) / static_cast<double>(std::max<std::size_t>(1, in_flight)));
    return std::max(rounds * rtt_seconds, bucket.seconds_for(requests));
}

ApplyBound apply_bound(const Durations& d, std::size_t writes, double rtt_seconds, const Bucket& bucket) {
    ApplyBound b;
    b.writes = writes;
    // Each step costs at least one round trip even when it completes synchronously.
    const double leaf = std::max(d.compute, d.model_version);
    b.critical_path = d.group + d.dependency + d.workspace + leaf + 4 * rtt_seconds;
    b.write_bucket = bucket.seconds_for(writes);
    return b;
}

}  // namespace bench
