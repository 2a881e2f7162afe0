// Near-miss warnings: an unknown key in an object that is open (no additionalProperties:
// false) but declares fields, and is close to one of them, is most likely a typo.
// The walk visits every object of every document, so what it asks of the schema is
// computed once per set of schemas and per key, per thread, unless an `if` had to look at
// the instance (then the schemas below depend on the document and are computed each time).
#include "schema/internal.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

namespace converge::schema {

namespace {

using SetId = std::uint32_t;

/// What the walk needs to know about the schemas that apply at one object.
struct SchemaSet {
    std::vector<const Json*> schemas;
    bool check = false;                    ///< open and declares fields: look for near misses
    std::vector<std::string> known;        ///< declared fields, in schema order (for did-you-mean)
    std::vector<std::string_view> sorted;  ///< the same, sorted (for lookups)
    std::vector<std::pair<std::string, SetId>> below;  ///< the set of a child object, by key

    bool declares(std::string_view key) const { return std::binary_search(sorted.begin(), sorted.end(), key); }
};

const Json* member(const Json& j, std::string_view key) {
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

/// Interned sets of schemas of one composed schema.
class Index {
public:
    explicit Index(const Json& root) : m_root(root) {}

    SetId root_set(const Json& instance) {
        if (m_root_set) {
            return *m_root_set;
        }
        bool looked = false;
        const SetId id = intern(schemas_at(m_root, instance, "", &looked));
        if (!looked) {
            m_root_set = id;
        }
        return id;
    }

    SetId below(SetId parent, std::string_view key, const Json& child) {
        {
            const SchemaSet& p = m_sets[parent];
            for (const auto& [k, id] : p.below) {
                if (k == key) {
                    return id;
                }
            }
        }
        bool looked = false;
        const SetId id = intern(schemas_below(m_root, m_sets[parent].schemas, key, &child, &looked));
        if (!looked) {
            m_sets[parent].below.emplace_back(std::string(key), id);
        }
        return id;
    }

    const SchemaSet& operator[](SetId id) const { return m_sets[id]; }

private:
    SetId intern(std::vector<const Json*> schemas) {
        const auto [it, inserted] = m_ids.emplace(schemas, static_cast<SetId>(m_sets.size()));
        if (inserted) {
            m_sets.push_back(describe(std::move(schemas)));
        }
        return it->second;
    }

    static SchemaSet describe(std::vector<const Json*> schemas) {
        SchemaSet set;
        bool closed = false;
        for (const Json* s : schemas) {
            const Json* additional = member(*s, "additionalProperties");
            closed = closed || (additional != nullptr && *additional == false);
            const Json* properties = member(*s, "properties");
            if (properties == nullptr || !properties->is_object()) {
                continue;
            }
            for (const auto& [k, v] : properties->items()) {
                if (std::find(set.known.begin(), set.known.end(), k) == set.known.end()) {
                    set.known.push_back(k);
                }
            }
        }
        set.check = !closed && !set.known.empty();
        set.sorted.assign(set.known.begin(), set.known.end());
        std::sort(set.sorted.begin(), set.sorted.end());
        set.schemas = std::move(schemas);
        return set;
    }

    const Json& m_root;
    std::optional<SetId> m_root_set;
    std::deque<SchemaSet> m_sets;  // a deque: `known` is referred to while sets are added
    std::map<std::vector<const Json*>, SetId> m_ids;
};

/// The JSON pointer of a key below `path` (built only for a warning).
std::string pointer_of(const std::vector<std::string_view>& path, std::size_t size) {
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out += "/" + json_pointer::escape(path[i]);
    }
    return out;
}

void walk(const Subject& s, Index& index, SetId set, const Json& node, std::vector<std::string_view>& path,
          Diagnostics& out) {
    if (index[set].schemas.empty() || !node.is_object()) {
        return;
    }
    for (const auto& [k, v] : node.items()) {
        const SchemaSet& here = index[set];
        const bool unknown = here.check && !here.declares(k);
        if (!unknown && !v.is_object()) {
            continue;  // the common case: nothing to say, nothing below
        }
        path.push_back(k);
        if (unknown) {
            const auto guess = did_you_mean(k, here.known);
            if (!guess.empty()) {
                const std::string parent = pointer_of(path, path.size() - 1);
                out.warning(s.doc.key_at(pointer_of(path, path.size())),
                            fmt::format("unknown field \"{}\" in {} is sent to Azure as is (did you mean \"{}\"?)",
                                        k, parent.empty() ? "the document" : manifest::display_path(parent), guess));
            }
        }
        if (v.is_object()) {
            walk(s, index, index.below(set, k, v), v, path, out);
        }
        path.pop_back();
    }
}

}  // namespace

void warn_near_misses(const Subject& subject, Diagnostics& diagnostics) {
    // Per thread: documents are checked on several threads, and the index grows as it goes.
    thread_local std::unordered_map<const Json*, Index> indexes;
    Index& index = indexes.try_emplace(&subject.schema, subject.schema).first->second;
    std::vector<std::string_view> path;
    walk(subject, index, index.root_set(subject.doc.root), subject.doc.root, path, diagnostics);
}

}  // namespace converge::schema
