// What observe keeps of each item: the parts the differ, prune, apply's deferred refs, the
// delete ordering and saved plans read, so an estate's observed state stays small.
#include "converge/json_pointer.hpp"
#include "converge/normalize.hpp"
#include "converge/observe.hpp"

#include "plan/diff_rules.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace converge {

namespace {

using Segments = std::vector<std::string>;
using Paths = std::vector<const Segments*>;  // pointers still followed, all matched up to `depth`

// Read of every item: the ownership tags (tag drift, prune, destroy, orphan discovery, model
// containers). Nothing reads id, name or type of an observed body once observe has stored it by
// id; its provisioningState only when it is not Succeeded (unsettled_kept).
const std::vector<Segments>& always_kept() {
    static const std::vector<Segments> paths = {{"tags"}, {"properties", "tags"}};
    return paths;
}

// Read of an item whose provisioningState is not Succeeded (plan repairs or waits for it): the
// state and the service's errors.
const std::vector<Segments>& unsettled_kept() {
    static const std::vector<Segments> paths = {{"properties", "provisioningState"}, {"properties", "provisioningErrors"}};
    return paths;
}

bool unsettled(const Json& item) {
    const auto props = item.find("properties");
    if (props == item.end() || !props->is_object()) {
        return false;
    }
    const auto state = props->find("provisioningState");
    return state != props->end() && state->is_string() && !iequals(state->get_ref<const std::string&>(), "Succeeded");
}

// "properties.a~1b" (a ref's field, read as a JSON pointer by apply) -> {"properties", "a/b"}.
Segments field_segments(const std::string& field) {
    std::string pointer = "/" + field;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    return json_pointer::parse(pointer);
}

bool ends_here(const Paths& paths, std::size_t depth) {
    return std::any_of(paths.begin(), paths.end(), [&](const Segments* p) { return p->size() == depth; });
}

// The paths going on through member `key` (ARM names compare ignoring case: a superset is safe).
Paths descend(const Paths& paths, std::size_t depth, std::string_view key) {
    Paths out;
    for (const Segments* p : paths) {
        if (p->size() > depth && iequals((*p)[depth], key)) {
            out.push_back(p);
        }
    }
    return out;
}

// The desired member the differ compares with one observed member. `several`: more than one
// desired spelling of a key finds that member, which is then kept whole.
struct Match {
    const Json* shape = nullptr;
    bool several = false;
};

struct Keeper {
    const ResourceId& self;

    // Keeps of `o` what `shape` (the desired body at the same place, or null) and `paths` ask
    // for, plus every ARM id below (delete ordering and prune read ids anywhere). nullopt: nothing.
    std::optional<Json> keep(Json& o, const Json* shape, const Paths& paths, std::size_t depth) const {
        // The differ compares non-objects whole, and shows an observed value of another type whole.
        if ((shape && (!shape->is_object() || !o.is_object())) || ends_here(paths, depth)) {
            return std::move(o);
        }
        if (o.is_object()) {
            return keep_object(o, shape, paths, depth);
        }
        if (o.is_array()) {
            return keep_array(o, paths, depth);
        }
        if (o.is_string() && looks_like_arm_id(o.get_ref<const std::string&>())) {
            return std::move(o);
        }
        return std::nullopt;
    }

    std::optional<Json> keep_object(Json& o, const Json* shape, const Paths& paths, std::size_t depth) const {
        // Each observed member's desired counterpart, found as the differ finds it (its own
        // MemberCursor, one forward walk), by position; on the stack for all but large objects.
        std::array<Match, 16> small{};
        std::vector<Match> large;
        Match* matches = small.data();
        if (shape) {
            if (o.size() > small.size()) {
                large.resize(o.size());
                matches = large.data();
            }
            detail::MemberCursor cursor(&o);
            for (auto it = shape->begin(); it != shape->end(); ++it) {
                const std::size_t at = cursor.position(it.key());
                if (at != detail::MemberCursor::npos) {
                    matches[at].several = matches[at].shape != nullptr;
                    matches[at].shape = &*it;
                }
            }
        }
        Json out = Json::object();
        std::size_t index = 0;
        for (auto it = o.begin(); it != o.end(); ++it, ++index) {
            const Match match = shape ? matches[index] : Match{};
            const Json* sub = match.shape;
            const Paths next = descend(paths, depth, it.key());
            if (match.several) {
                out[it.key()] = std::move(*it);
            } else if (depth == 0 && !sub && next.empty() && it.key() == "id" && own_id(*it)) {
                continue;  // the item's own id is its key in ObservedState; the prune graph skips self-edges
            } else if (auto kept = keep(*it, sub, next, depth + 1)) {
                out[it.key()] = std::move(*kept);
            }
        }
        // A desired object stays even when empty: absent and {} differ to the differ.
        return out.empty() && !shape ? std::nullopt : std::optional<Json>(std::move(out));
    }

    bool own_id(const Json& value) const {
        if (!value.is_string()) {
            return false;
        }
        const auto id = ResourceId::parse(value.get_ref<const std::string&>());
        return id && *id == self;
    }

    // Only pointers of refs reach into arrays here (desired arrays are kept whole above).
    std::optional<Json> keep_array(Json& o, const Paths& paths, std::size_t depth) const {
        if (!paths.empty()) {
            return std::move(o);
        }
        Json out = Json::array();
        for (auto& e : o) {
            if (auto kept = keep(e, nullptr, {}, depth + 1)) {
                out.push_back(std::move(*kept));
            }
        }
        return out.empty() ? std::nullopt : std::optional<Json>(std::move(out));
    }
};

}  // namespace

ObservedNeeds::ObservedNeeds(const DesiredSet& desired) {
    m_by_hash.reserve(desired.resources.size());
    for (const auto& r : desired.resources) {
        m_by_hash.emplace_back(r.id.hash(), &r);
        for (const auto& ref : r.deferred) {
            m_ref_fields[ref.target].push_back(field_segments(ref.field));
        }
    }
    std::sort(m_by_hash.begin(), m_by_hash.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
}

const Resource* ObservedNeeds::desired(const ResourceId& id) const {
    auto it = std::lower_bound(m_by_hash.begin(), m_by_hash.end(), id.hash(),
                               [](const auto& e, std::size_t h) { return e.first < h; });
    for (; it != m_by_hash.end() && it->first == id.hash(); ++it) {
        if (it->second->id == id) {
            return it->second;
        }
    }
    return nullptr;
}

Json ObservedNeeds::project(const ResourceId& id, Json item) const {
    if (!item.is_object()) {
        return item;
    }
    Paths paths;
    for (const auto& p : always_kept()) {
        paths.push_back(&p);
    }
    if (unsettled(item)) {
        for (const auto& p : unsettled_kept()) {
            paths.push_back(&p);
        }
    }
    if (const auto it = m_ref_fields.find(id); it != m_ref_fields.end()) {
        for (const auto& p : it->second) {
            paths.push_back(&p);
        }
    }
    const Resource* r = desired(id);
    // A Job's status: the plan reports a submitted job that did not complete (docs/kinds.md "Jobs").
    static const Segments k_status = {"properties", "status"};
    if (r != nullptr && r->kind != nullptr && r->kind->run_once) {
        paths.push_back(&k_status);
    }
    return Keeper{id}.keep(item, r ? &r->body : nullptr, paths, 0).value_or(Json::object());
}

}  // namespace converge
