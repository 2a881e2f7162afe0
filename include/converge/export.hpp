#pragma once
// Export: what discover read, written as a manifest directory (`converge export`). Pure: no
// I/O; the CLI writes the files. The rules (docs/onboarding.md "Export"):
// - one document per resource of a manifest kind (Model: one version; model containers are
//   implied), every other top-level resource of the group as ArmResource;
// - the kinds table decides what is left out: the envelope (id, name, type, systemData, etag),
//   KindInfo::read_only and write_only fields, nulls; a top-level field the kind's schema does
//   not describe is left out and reported in ExportResult::notes;
// - KindInfo::secret fields (never returned) are written as "${env:NAME}" where their
//   enclosing object exists (one per object: the first the kind lists, the others named as
//   alternatives), and listed in a comment at the top of the file;
// - the ownership tags (and converge's secret digest tag) are not exported, nor invented;
// - strings holding the id of an exported resource become "${ref:Kind/name}"; a literal "${"
//   is written "$${";
// - converge.yaml holds the stack name and defaults: subscription, resource group, the most
//   common location, the workspace when there is one, and the tags every resource carries.
#include "converge/discover.hpp"

#include <optional>
#include <string>
#include <vector>

namespace converge {

/// What the resource documents are written as.
enum class ExportFormat {
    converge,  ///< converge documents (apiVersion, kind, metadata, spec)
    /// Workspaces, computes (AmlCompute, ComputeInstance) and models as az ml CLI v2 YAML
    /// (docs/azml-yaml.md), every other resource as a converge document.
    azml,
};

struct ExportOptions {
    std::string stack;
    std::string subscription;
    std::string resource_group;
    bool single_file = false;  ///< every resource in one file, resources.yaml
    std::string command_line;  ///< shown in converge.yaml's header comment
    ExportFormat format = ExportFormat::converge;
};

struct ExportedFile {
    std::string name;  ///< relative to the output directory: "converge.yaml", "compute-cpu.yaml"
    std::string text;
};

/// One `${env:NAME}` placeholder written for a value Azure never returns.
struct ExportedSecret {
    std::string env;       ///< CPU_CLUSTER_ADMIN_USER_PASSWORD
    std::string label;     ///< Compute/cpu-cluster
    std::string field;     ///< properties.properties.userAccountCredentials.adminUserPassword
    /// Other secret fields of the same object, written instead by whoever uses them ("adminUserSshPublicKey").
    std::vector<std::string> alternatives;
};

struct ExportResult {
    std::vector<ExportedFile> files;  ///< converge.yaml first
    std::vector<ExportedSecret> secrets;
    std::vector<std::string> notes;  ///< what was left out and why
    std::size_t resources = 0;       ///< documents written
    std::size_t untagged = 0;        ///< of them, owned by no converge stack (plan needs --adopt)
    std::vector<std::string> other_stacks;  ///< "Kind/name (stack X)": owned by another stack (--take-over-from)
};

/// The file name of one resource's document: "<kind>-<name>.yaml" in lower case ("compute-cpu.yaml",
/// "model-churn-2.yaml", "armresource-vnet.yaml"); characters other than letters, digits, '.', '_'
/// and '-' become '-'.
std::string export_file_name(std::string_view kind, std::string_view name);

/// `body` with every secret value replaced by "(sensitive)": the kind's KindInfo::secret fields
/// (`kind` may be null) and every string member whose name is a secret key (redact.hpp's
/// is_secret_key: password, key, primaryKey, connectionString, ...). What `get` prints.
Json redact_body(Json body, const KindInfo* kind);

/// The az ml CLI v2 document of one exported resource of a kind the az ml table knows
/// (Workspace, Compute, Model, Environment, Datastore, OnlineEndpoint, OnlineDeployment;
/// `spec` as export wrote it: read-only fields left out, ids as ${ref:}), or nullopt when the
/// kind or compute type has no az ml form. What has no az ml field is left out and named in
/// `notes` (prefixed with `label`). `endpoint`: a deployment's endpoint ("" otherwise).
std::optional<Json> azml_document(const KindInfo& kind, const std::string& name, const std::string& version,
                                  const std::string& endpoint,
                                  const Json& spec, const std::string& label, std::vector<std::string>& notes);

ExportResult export_manifests(const std::vector<DiscoveredResource>& found, const ExportOptions& options);

}  // namespace converge
