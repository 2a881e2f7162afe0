#pragma once
// Internal pieces of the manifest loader, shared by src/manifest*.cpp and src/schema*.cpp.
#include "converge/diagnostic.hpp"
#include "converge/json.hpp"
#include "converge/json_pointer.hpp"
#include "converge/kinds.hpp"
#include "converge/manifest.hpp"
#include "converge/model.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace converge::manifest {

/// A 1-based line and column inside the document's file.
struct Pos {
    int line = 0;
    int column = 0;
};

/// Where one YAML node sits: its key (for mapping members) and its value.
struct NodePosition {
    Pos key;
    Pos value;
};

/// Which part of a manifest document a node is in.
enum class Area : std::uint8_t { other, metadata, spec };

/// One node's position, under the PointerHash of its JSON pointer (no pointer strings: a
/// document has a position for every node, and all documents are held until ids are known).
struct Positioned {
    std::uint64_t hash;       ///< of the pointer from the document root
    std::uint64_t spec_hash;  ///< of the pointer below /spec (Area::spec only)
    NodePosition pos;
    Area area;
};

/// One YAML document as JSON, with the position of every node by JSON pointer.
struct YamlDocument {
    std::string file;  ///< display path
    Json root;
    Pos start;
    /// Every node's position, in document order (the root's pointer is "").
    std::vector<Positioned> positions;
    /// Pointer hash -> source text of plain scalars that became numbers or booleans.
    std::vector<std::pair<std::uint64_t, std::string>> raw_scalars;
    /// Pointer hashes of plain (unquoted) strings that contain "${": whole-value
    /// interpolations there keep the variable's type.
    std::vector<std::uint64_t> plain_templates;
    /// Some string may hold a `${ref:...}` (written, or built by a nested expression): the
    /// document can only be interpolated once every manifest's id is known.
    bool may_ref = false;
    /// Some string contains "${" (aliases copy nodes of the same document, already seen):
    /// without one, interpolation has nothing to do.
    bool has_expressions = false;
    /// An az ml CLI v2 document read as this converge document (src/manifest/azml.cpp): each
    /// az ml field's key and value positions with its dotted name, so that a diagnostic at one
    /// names the az ml field too. Empty for converge documents.
    std::vector<std::pair<Pos, std::string>> azml_fields;

    const NodePosition* find(std::string_view pointer) const;
    /// The value's location, or the nearest enclosing node's when the pointer has none.
    Location value_at(std::string_view pointer) const;
    /// The key's location (the value's for the root and array items).
    Location key_at(std::string_view pointer) const;
    Location at(Pos pos) const { return {file, pos.line, pos.column}; }
    const std::string* raw(std::string_view pointer) const;
    bool is_plain(std::string_view pointer) const;
};

/// Parses a YAML stream (several documents allowed); problems go to `diagnostics`.
std::vector<YamlDocument> parse_yaml(const std::string& file, std::string_view text,
                                     Diagnostics& diagnostics);

/// YAML 1.2 core-schema typing of a plain scalar: "4" -> 4, "true" -> true, "x" -> "x".
Json resolve_plain_scalar(const std::string& text);

/// "/spec/properties/x" -> "spec.properties.x", for messages.
std::string display_path(std::string_view pointer);

/// One variable from converge.yaml, a values file or --var.
struct Variable {
    Json value;
    bool has_value = false;
    bool sensitive = false;
    bool text = false;  ///< came from --var or the environment: typed like a plain YAML scalar when whole
    std::string env;  ///< environment variable that supplies the value (converge.yaml `env:`)
    Location declared;
    bool in_config = false;  ///< declared under `variables:` in converge.yaml
    /// Some ${var:} named it (set while interpolating, which only reads the config otherwise):
    /// a --var or --values name that is neither declared nor used is an error.
    mutable bool used = false;
};

/// converge.yaml after interpolation of env/var in its defaults.
struct StackConfig {
    std::string stack;
    std::string subscription;
    std::string resource_group;
    std::string location;
    std::string workspace;
    Json tags = Json::object();
    std::map<std::string, Variable> variables;
    std::optional<StackLockConfig> lock;  ///< `lock:`
    /// converge.yaml `ignore:`: "*" (every resource) or a kind name -> dotted paths the diff ignores.
    std::map<std::string, std::vector<std::string>> ignore;
    Location file;
    /// Pointers of defaults present with a wrong type (a schema error): resources that would
    /// fall back on them report nothing more (one root cause, one error).
    std::vector<std::string> unusable;
    bool is_unusable(std::string_view pointer) const {
        return std::find(unusable.begin(), unusable.end(), pointer) != unusable.end();
    }
};

/// What an az ml document needs from the stack: subnet names become ARM ids in the
/// workspace's subscription and resource group, azureml:NAME:VERSION an asset of the
/// default workspace.
struct AzmlContext {
    std::string subscription;
    std::string resource_group;
    std::string workspace;
};

/// An Azure ML CLI v2 (`az ml`) document: no converge apiVersion, and an az ml `$schema`, an
/// az ml `type:`, or fields only an az ml workspace has (docs/azml-yaml.md).
bool is_azml(const YamlDocument& doc);

/// The converge document (kind, metadata, spec) an az ml document maps to, through the table
/// of include/converge/azml.hpp, every node positioned at the az ml field it came from;
/// nullopt (reported) for a type converge does not read yet.
std::optional<YamlDocument> translate_azml(const YamlDocument& doc, const AzmlContext& context,
                                           Diagnostics& diagnostics);

/// Appends `local` to `out`, naming the az ml field of `doc` a diagnostic points at.
void append_naming_azml(const YamlDocument& doc, const Diagnostics& local, Diagnostics& out);

/// Reads converge.yaml (empty text = none), then values files, then --var.
StackConfig load_config(const SourceFile& config, const std::string& stack_dir,
                        const LoadOptions& options, Diagnostics& diagnostics);

/// Errors for --var and --values names that converge.yaml does not declare and no ${var:}
/// used (call once every document is interpolated).
void check_variables_used(const StackConfig& config, Diagnostics& diagnostics);

/// Reads a file into `text`; false (with a diagnostic) when it cannot be read.
bool read_file(const std::string& path, std::string& text, Diagnostics& diagnostics);

/// A manifest the loader knows by kind and name, for refs and dependsOn.
struct Identity {
    const KindInfo* kind = nullptr;
    std::string name;     ///< metadata.name
    std::string scope;    ///< workspace for workspace children, resource group otherwise
    std::string version;  ///< Model only
    ResourceId id;
    Location location;
};

/// The result of looking up a reference: a target, or an error message.
struct RefLookup {
    const Identity* target = nullptr;
    std::string error;
};

/// Every manifest resource by kind and name, for `Kind/name`, `Kind/scope/name` and
/// `Model/name@version` lookups.
class Identities {
public:
    /// Adds one; the index stays valid (entries are never moved).
    void add(Identity identity);
    RefLookup find(std::string_view ref) const;
    std::size_t size() const { return m_list.size(); }
    const Identity& operator[](std::size_t i) const { return m_list[i]; }

private:
    /// The identities named "Kind/name", in the order added: the first and last of a chain
    /// linked through m_next (no node or vector per name).
    struct NameSlot {
        std::size_t hash = 0;
        std::uint32_t first = k_none;  ///< k_none: an empty slot
        std::uint32_t last = k_none;
    };
    static constexpr std::uint32_t k_none = 0xffffffffu;
    /// The slot of "kind/name": its chain, or the empty slot where it would go.
    std::size_t slot_of(std::size_t hash, std::string_view kind, std::string_view name) const;
    void grow();

    std::deque<Identity> m_list;
    std::vector<NameSlot> m_slots;  ///< open addressing on the hash of "Kind/name"
    std::vector<std::uint32_t> m_next;
    std::size_t m_names = 0;
};

/// What interpolation found in one document.
struct Interpolated {
    std::vector<Dependency> depends_on;
    std::vector<DeferredRef> deferred;
    std::vector<std::string> sensitive;  ///< pointers (relative to the interpolated root)
    std::vector<std::string> secret_values;
};

/// Environment and variables available to interpolation.
struct InterpolationContext {
    const StackConfig* config = nullptr;
    const Identities* identities = nullptr;  ///< null: refs not allowed here
    bool require_environment = true;
};

/// Replaces ${env:X}, ${var:x} and ${ref:Kind/name[:path]} in every string under
/// `doc.root` at `pointer`; errors point at the string.
void interpolate(YamlDocument& doc, const std::string& pointer, const InterpolationContext& context,
                 Interpolated& out, Diagnostics& diagnostics);

/// Interpolates one string found at `pointer`; nullopt when it holds no interpolation.
std::optional<Json> interpolate_string(const std::string& text, bool plain, const std::string& pointer,
                                       const Location& where, const InterpolationContext& context,
                                       Interpolated& out, Diagnostics& diagnostics);

}  // namespace converge::manifest

namespace converge::manifest {

/// One manifest document on its way to becoming a Resource.
struct Pending {
    YamlDocument doc;
    const KindInfo* kind = nullptr;
    std::optional<std::size_t> identity;  ///< index in Identities once the id is known
    std::string arm_type;
    std::string api_version;
    Interpolated found;  ///< from metadata and spec
};

/// Checks the envelope, interpolates metadata and builds the ARM id (phase 1 of 2:
/// every id must be known before any ${ref:...} is resolved).
Pending identify(YamlDocument doc, const StackConfig& config, const LoadOptions& options, Identities& identities,
                 Diagnostics& diagnostics);

/// Interpolates and validates spec, applies tag defaults, and builds the Resource.
std::optional<Resource> build_resource(Pending& pending, const StackConfig& config, const LoadOptions& options,
                                       const Identities& identities, Diagnostics& diagnostics);

/// A Model's `path:` (docs/model-upload.md): a remote URI becomes properties.modelUri; a local
/// file or directory (relative to the manifest) is read and hashed, properties.modelUri names
/// its content-addressed place in the workspace's default datastore, and `path` becomes
/// {source, files, bytes, sha256}: what apply uploads (and never sends to Azure).
void resolve_model_path(Resource& r, Diagnostics& diagnostics);

/// A Job (docs/kinds.md "Jobs"): its local `code:` directory is read and hashed (properties.codeId
/// names the code asset apply registers, `code` becomes {source, files, bytes, sha256}), and its
/// id's name becomes "<metadata.name>-<hash of the code's content and the spec>". Call before
/// the tags are added: the stack's tags do not make another job.
void resolve_job(Resource& r, Diagnostics& diagnostics);
/// The hash appended to a Job's metadata.name: 10 hex digits of SHA-256 over the code's content
/// hash ("" without code) and the spec's canonical JSON (without `code`).
std::string job_name_hash(const Json& spec_without_code, const std::string& code_sha256);

/// One `metadata.dependsOn` entry, kept once its document is released.
struct DeclaredDependency {
    std::string ref;  ///< "Kind/name", as written
    Location at;
};

/// The string entries of the document's `metadata.dependsOn` (others are schema errors).
std::vector<DeclaredDependency> declared_dependencies(const YamlDocument& doc);

/// Location defaults, duplicates, implicit dependencies, dependsOn, cycles.
/// `declared[i]` is the dependsOn list of desired.resources[i].
void resolve_graph(DesiredSet& desired, std::vector<std::vector<DeclaredDependency>> declared,
                   const StackConfig& config, const Identities& identities, Diagnostics& diagnostics);

}  // namespace converge::manifest
