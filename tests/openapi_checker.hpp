#pragma once
// Conformance checks against the official OpenAPI (Swagger 2.0) files copied under
// $CONVERGE_SHARED/reference/azure-ml-rest/spec (see spec/INDEX.md). Test code only.
//
// Usage:
//   const auto& spec = converge::test::OpenApiChecker::shared();
//   if (!spec.available()) { MESSAGE("SKIPPED: ..."); return; }
//   auto r = spec.check_request("PUT", url_with_api_version_query, &body);
//   CHECK_MESSAGE(r.ok(), r.to_string());
//   auto s = spec.check_response("PUT", url, 201, &response_body);
//
// What it does:
//   - loads every *.json outside examples/ under the spec directory;
//   - rewrites every $ref into one merged definitions table: local refs, cross-file refs
//     ("../../../../../common-types/..." -> spec/common-types/..., "machineLearningServices.json#..."
//     -> machineLearningServices.subset.json in the same folder); refs to files that are not
//     copied (common-types v1, definitions left out of a subset) accept anything;
//   - polymorphism: a `discriminator` base (e.g. Compute, keyed by computeType) validates the
//     subtype named by the discriminator value (AmlCompute, ComputeInstance, ...), or the base
//     when the value is unknown;
//   - `x-nullable: true` allows null; in responses, members whose value is null are dropped
//     before validation (ARM serialises absent optional fields as null);
//   - formats other than date/time/date-time are not checked.
// Matching: the operation is found by method and path template (literal segments compared
// case-insensitively, `{param}` matches one non-empty segment and is checked against the
// parameter's `pattern`), and by the url's `api-version` query value against the file's
// info.version. SpecOptions::any_api_version accepts a spec of another version when no exact one
// exists (e.g. resource groups: the spec copy is 2019-10-01).
#include "converge/json.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace converge::test {

/// $CONVERGE_SHARED, or <repo>/../shared when unset.
std::string shared_dir();
/// <shared>/reference/azure-ml-rest/spec.
std::string spec_dir();

/// The outcome of one check.
struct SpecCheck {
    bool matched = false;             ///< an operation matched method + path (+ api-version)
    std::string operation_id;         ///< "Compute_CreateOrUpdate"
    std::string spec_file;            ///< path relative to the spec directory
    std::vector<std::string> errors;  ///< "body: /properties/computeType: Failed to match ..."

    bool ok() const { return matched && errors.empty(); }
    /// One line per error, prefixed by the operation, for CHECK_MESSAGE.
    std::string to_string() const;
};

/// How strictly an operation is matched.
struct SpecOptions {
    bool any_api_version = false;  ///< fall back to another version's operation
};

/// Validates requests and responses against the loaded OpenAPI operations.
class OpenApiChecker {
public:
    /// Loads the spec directory; available() is false when it does not exist.
    explicit OpenApiChecker(const std::string& spec_directory);
    ~OpenApiChecker();
    OpenApiChecker(const OpenApiChecker&) = delete;
    OpenApiChecker& operator=(const OpenApiChecker&) = delete;

    /// One checker loaded from spec_dir(), shared by all tests (thread-safe).
    static const OpenApiChecker& shared();

    bool available() const;
    /// Number of operations loaded (for sanity checks).
    std::size_t operation_count() const;

    /// Checks method, path, api-version and the body against the operation's body parameter.
    /// `url` may be absolute or a path, and must carry `?api-version=`; body nullptr = none.
    SpecCheck check_request(std::string_view method, std::string_view url, const Json* body,
                            SpecOptions options = {}) const;
    /// Checks a response body against the operation's schema for `status` (or `default`).
    SpecCheck check_response(std::string_view method, std::string_view url, int status,
                             const Json* body, SpecOptions options = {}) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace converge::test
