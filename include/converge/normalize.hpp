#pragma once
// Value normalisations the differ applies: ISO-8601 durations, Azure region names, ARM ids.
// Pure functions, no allocation in the common paths.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace converge {

/// Seconds in an ISO-8601 duration ("PT30M" -> 1800, "P1DT2H" -> 93600, "PT0.5H" -> 1800);
/// nullopt when the text is not one. Years count 365 days and months 30 (documented in docs/plan.md).
std::optional<double> duration_seconds(std::string_view text);

/// One public Azure region: canonical name and display name.
struct Region {
    std::string_view name;     ///< "westeurope"
    std::string_view display;  ///< "West Europe"
};

/// Every public Azure region converge knows, sorted by name.
const std::vector<Region>& azure_regions();

/// "West Europe", "westeurope", "WestEurope", "west-europe" -> "westeurope"; unknown regions
/// come back lower-cased with spaces, dashes and underscores removed.
std::string canonical_location(std::string_view text);

/// Do two location strings name the same region? (no allocation)
bool same_location(std::string_view a, std::string_view b);

/// Does `text` look like an ARM id ("/subscriptions/...")? Cheap prefix test.
bool looks_like_arm_id(std::string_view text);

/// ARM ids compare case-insensitively, ignoring one trailing slash.
bool same_arm_id(std::string_view a, std::string_view b);

}  // namespace converge
