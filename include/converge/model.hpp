#pragma once
// The desired set: what the manifests ask for, one Resource per ARM resource, with the
// ARM id built from metadata and defaults, the ARM request body, and the graph edges.
#include "converge/diagnostic.hpp"
#include "converge/json.hpp"
#include "converge/json_pointer.hpp"
#include "converge/kinds.hpp"
#include "converge/resource_id.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace converge {

/// FNV-1a over a JSON pointer's text; `extend` continues a hash, so extend(of("/a"), "/b")
/// == of("/a/b") and a parser can hash pointers without building them.
struct PointerHash {
    static constexpr std::uint64_t k_empty = 14695981039346656037ull;  ///< the hash of ""
    static std::uint64_t extend(std::uint64_t hash, std::string_view text) {
        for (const char c : text) {
            hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        }
        return hash;
    }
    /// extend(hash, "/" + escaped segment) without building it ("~" -> "~0", "/" -> "~1").
    static std::uint64_t extend_segment(std::uint64_t hash, std::string_view segment) {
        hash = extend(hash, "/");
        json_pointer::for_each_escaped(segment, [&](std::string_view piece) { hash = extend(hash, piece); });
        return hash;
    }
    static std::uint64_t of(std::string_view pointer) { return extend(k_empty, pointer); }
};

/// Where each field of one resource's body was written, by JSON pointer. All fields of a
/// resource are in its own file, so only line and column are kept, under a 64-bit hash of
/// the pointer (16 bytes a field instead of a map node, a pointer string and a file path).
class FieldLocations {
public:
    /// Records (or replaces) the position of the field at `pointer`.
    void set(std::string_view pointer, int line, int column) { set(PointerHash::of(pointer), line, column); }
    /// The same, for a pointer already hashed with PointerHash.
    void set(std::uint64_t pointer_hash, int line, int column);
    /// The field's position in `file`, or nullopt when it has none (e.g. a default).
    std::optional<Location> find(std::string_view pointer, const std::string& file) const;
    std::size_t size() const { return m_entries.size(); }

private:
    struct Entry {
        std::uint64_t hash;
        int line;
        int column;
    };
    std::vector<Entry> m_entries;
};

/// An edge in the dependency graph, with where it was declared (for cycle reports).
struct Dependency {
    ResourceId target;
    Location location;
    std::string why;  ///< "dependsOn", "ref", "parent", "workspace dependency"
};

/// A `${ref:Kind/name:json.path}` whose value exists only once the target has been created
/// (e.g. properties.discoveryUrl); apply substitutes it when the target finishes.
struct DeferredRef {
    std::string pointer;      ///< where in Resource::body the value goes ("/properties/x")
    std::string text;         ///< the whole template string, e.g. "${ref:Workspace/ws:properties.discoveryUrl}/x"
    ResourceId target;
    std::string field;        ///< "properties.discoveryUrl"
    Location location;
};

/// One desired ARM resource.
struct Resource {
    const KindInfo* kind = nullptr;
    ResourceId id;
    std::string arm_type;     ///< == kind->arm_type except for ArmResource
    std::string api_version;  ///< pinned by the kind unless the document overrides it
    Json body;                ///< ARM request body without id/name/type
    Location location;        ///< the document's `kind:` line
    FieldLocations field_locations;  ///< JSON pointer in body -> YAML position (in location.file)
    std::vector<Dependency> depends_on;
    std::vector<DeferredRef> deferred;
    std::set<std::string> sensitive;  ///< JSON pointers in body whose values are secret
    /// Fields the diff ignores (docs/sync.md "Ignore rules"): metadata.ignore, then converge.yaml's
    /// `ignore:` for every kind and for this kind; dotted paths, `*` = any one key.
    std::vector<std::string> ignore;
    std::map<std::string, std::string> labels;
    bool protect = false;
    /// metadata.adopt: when the resource exists without converge's ownership tags, this stack
    /// takes it over (docs/apply.md "Ownership").
    bool adopt = false;
    /// OnlineEndpoint `smokeTest:` (request, expectedStatus, jsonPath, expectedValue): a scoring
    /// call apply makes once the endpoint and its traffic have converged; null when none.
    Json smoke_test;

    /// Where the field at `pointer` was written; the document's `kind:` line when unknown.
    Location field_location(std::string_view pointer) const {
        return field_locations.find(pointer, location.file).value_or(location);
    }
};

/// Everything the manifests describe, in a deterministic order (by file, then document).
struct DesiredSet {
    std::string stack;  ///< from converge.yaml `stack:`; scopes ownership tags and prune
    std::vector<Resource> resources;
    /// Values of variables declared sensitive, so renderers can scrub them from any text.
    std::vector<std::string> secret_values;

    const Resource* find(const ResourceId& id) const;
};

/// What observe found in Azure: the current ARM body of every resource it read or listed,
/// by id (a desired resource missing here does not exist). Includes resources that are
/// not in the manifests (e.g. tagged with this stack, for prune).
struct ObservedState {
    std::unordered_map<ResourceId, Json> resources;
    /// Collections that were listed (their ids), so plan can tell "absent" from "not read".
    std::vector<ResourceId> listed_scopes;
    /// Soft-deleted key vaults whose names the plan would create, each as the id of the vault it
    /// was (the deleted vault's properties.vaultId, from GET .../Microsoft.KeyVault/deletedVaults).
    std::vector<ResourceId> soft_deleted;

    const Json* find(const ResourceId& id) const {
        auto it = resources.find(id);
        return it == resources.end() ? nullptr : &it->second;
    }
};

}  // namespace converge
