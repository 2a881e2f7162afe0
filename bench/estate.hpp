#pragma once
// A synthetic Azure ML estate of N resources for the benchmarks: resource groups, the four
// workspace dependencies, workspaces, and under each workspace AmlCompute clusters and model
// versions. Written as converge manifests into a directory.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace bench {

/// The shape of an estate; `for_size` derives one from a resource count.
struct EstateShape {
    std::size_t groups = 1;
    std::size_t workspaces = 1;
    std::size_t models_per_workspace = 4;
    /// Per workspace: how many computes and how many model versions (all models together).
    std::vector<std::size_t> computes;
    std::vector<std::size_t> versions;

    /// About 100 resources per workspace, 5 workspaces per group, half computes and half
    /// model versions; the total is exactly `n` (at least 7: RG, 4 dependencies, workspace, one child).
    /// Without `models`, the children are all computes (for an emulator without model assets).
    static EstateShape for_size(std::size_t n, bool models = true);

    /// Manifest resources (what `converge plan` counts).
    std::size_t resources() const;
    /// Resources that have no manifest but are created by apply (model containers).
    std::size_t implicit_resources() const { return workspaces * models_per_workspace; }
    std::size_t total_computes() const;
    std::size_t total_versions() const;
    /// Versions of model `m` in workspace `w` (versions spread evenly over the models).
    std::size_t versions_of(std::size_t w, std::size_t m) const;
    std::size_t group_of(std::size_t w) const { return w % groups; }
    /// "W workspaces x ~C computes + ~V model versions in G groups".
    std::string describe() const;
};

/// Names used by the generated manifests, so other parts of the bench can build ids.
std::string group_name(std::size_t g);
std::string workspace_name(std::size_t w);
std::string compute_name(std::size_t c);
std::string model_name(std::size_t m);

/// The subscription and location the generated estate uses.
inline constexpr const char* k_subscription = "00000000-0000-0000-0000-00000000be5c";
inline constexpr const char* k_location_display = "West Europe";
inline constexpr const char* k_stack = "bench";

/// Writes converge.yaml plus one file per group and three per workspace into `dir`
/// (created if missing). Returns the number of bytes written.
std::size_t write_manifests(const EstateShape& shape, const std::filesystem::path& dir,
                            const std::string& subscription = k_subscription);

}  // namespace bench
