#pragma once
// The regional Azure ML API in the CLI (docs/regional.md): `get experiments|runs|models --api v1`
// (cmd_get.cpp hands them here) and `converge run start|logs` (cmd_regional.cpp).
#include "cli/session.hpp"

#include <string>

namespace converge::cli {

/// What `converge get` was asked for, when it is a regional listing.
struct RegionalGet {
    std::string listing;  ///< "experiments", "runs" or "models"
    std::string name;
    std::string resource_group;
    std::string workspace;
    std::string experiment;
    std::string output = "table";
};

/// "experiments", "runs", "models" (only with `--api v1`), or "" when `kind` is not a regional listing.
std::string regional_listing(const std::string& kind, const std::string& api);

/// Lists experiments, runs or v1 models of one workspace and prints them (table, json, yaml).
int run_get_regional(const RegionalGet& get, const SessionOptions& options, const GlobalOptions& global);

}  // namespace converge::cli
