// Locations: the public-cloud region table and ARM's canonical form of a location.
#include "realism/realism.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>

namespace emulator::realism {

namespace {

// Physical regions of the public cloud as `az account list-locations` / Subscriptions - List
// Locations (learn.microsoft.com/rest/api/resources/subscriptions/list-locations) name them.
// Logical regions ("europe", "global", ...) are not valid resource locations and are left out.
constexpr std::array<Region, 59> k_regions = {{
    {"eastus", "East US"},
    {"eastus2", "East US 2"},
    {"southcentralus", "South Central US"},
    {"westus2", "West US 2"},
    {"westus3", "West US 3"},
    {"australiaeast", "Australia East"},
    {"southeastasia", "Southeast Asia"},
    {"northeurope", "North Europe"},
    {"swedencentral", "Sweden Central"},
    {"uksouth", "UK South"},
    {"westeurope", "West Europe"},
    {"centralus", "Central US"},
    {"southafricanorth", "South Africa North"},
    {"centralindia", "Central India"},
    {"eastasia", "East Asia"},
    {"indonesiacentral", "Indonesia Central"},
    {"japaneast", "Japan East"},
    {"japanwest", "Japan West"},
    {"koreacentral", "Korea Central"},
    {"malaysiawest", "Malaysia West"},
    {"newzealandnorth", "New Zealand North"},
    {"canadacentral", "Canada Central"},
    {"belgiumcentral", "Belgium Central"},
    {"francecentral", "France Central"},
    {"germanywestcentral", "Germany West Central"},
    {"italynorth", "Italy North"},
    {"norwayeast", "Norway East"},
    {"polandcentral", "Poland Central"},
    {"spaincentral", "Spain Central"},
    {"switzerlandnorth", "Switzerland North"},
    {"mexicocentral", "Mexico Central"},
    {"uaenorth", "UAE North"},
    {"brazilsouth", "Brazil South"},
    {"chilecentral", "Chile Central"},
    {"eastus2euap", "East US 2 EUAP"},
    {"centraluseuap", "Central US EUAP"},
    {"israelcentral", "Israel Central"},
    {"qatarcentral", "Qatar Central"},
    {"northcentralus", "North Central US"},
    {"westus", "West US"},
    {"jioindiawest", "Jio India West"},
    {"westcentralus", "West Central US"},
    {"southafricawest", "South Africa West"},
    {"australiacentral", "Australia Central"},
    {"australiacentral2", "Australia Central 2"},
    {"australiasoutheast", "Australia Southeast"},
    {"jioindiacentral", "Jio India Central"},
    {"koreasouth", "Korea South"},
    {"southindia", "South India"},
    {"westindia", "West India"},
    {"canadaeast", "Canada East"},
    {"francesouth", "France South"},
    {"germanynorth", "Germany North"},
    {"norwaywest", "Norway West"},
    {"switzerlandwest", "Switzerland West"},
    {"ukwest", "UK West"},
    {"uaecentral", "UAE Central"},
    {"brazilsoutheast", "Brazil Southeast"},
    {"swedensouth", "Sweden South"},
}};

// ARM compares locations after dropping spaces and ignoring case: "West Europe",
// "westeurope" and "WestEurope" are one region.
std::string squash(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c != ' ') {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

std::string region_list() {
    std::string out;
    for (const auto& region : k_regions) {
        out += out.empty() ? "" : ",";
        out += region.name;
    }
    return out;
}

}  // namespace

Json Error::to_json() const {
    Json error = {{"code", code}, {"message", message}};
    if (!target.empty()) {
        error["target"] = target;
    }
    return Json{{"error", error}};
}

std::span<const Region> regions() { return k_regions; }

std::optional<std::string> canonical_location(std::string_view text) {
    const std::string key = squash(text);
    for (const auto& region : k_regions) {
        if (region.name == key) {
            return std::string(region.name);
        }
    }
    return std::nullopt;
}

std::optional<Error> normalize_location(Json& body, std::string_view resource_type) {
    auto it = body.find("location");
    if (it == body.end() || !it->is_string()) {
        return std::nullopt;
    }
    const auto text = it->get<std::string>();
    if (auto canonical = canonical_location(text)) {
        *it = *canonical;
        return std::nullopt;
    }
    if (kind_of(resource_type) == Kind::resource_group) {
        return Error{400, "LocationNotAvailableForResourceGroup",
                     fmt::format("The provided location '{}' is not available for resource group. List "
                                 "of available regions is '{}'.",
                                 text, region_list()),
                     "location"};
    }
    return Error{400, "LocationNotAvailableForResourceType",
                 fmt::format("The provided location '{}' is not available for resource type '{}'. List "
                             "of available regions for the resource type is '{}'.",
                             text, resource_type, region_list()),
                 "location"};
}

}  // namespace emulator::realism
