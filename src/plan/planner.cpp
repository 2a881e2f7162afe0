#include "converge/planner.hpp"

#include "plan/permute.hpp"
#include "plan/secret_rotation.hpp"

#include "converge/applied_digest.hpp"
#include "converge/diff.hpp"
#include "converge/graph.hpp"
#include "converge/normalize.hpp"
#include "converge/observe.hpp"
#include "converge/ownership.hpp"
#include "plan/diff_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace converge {

namespace {

// Replaces any value holding a secret (whole or as a substring) by (sensitive).
void scrub_change(Change& change, const Scrubber& scrubber) {
    if (scrubber.empty()) {
        return;
    }
    for (auto& f : change.fields) {
        bool hit = false;
        for (auto* v : {&f.before, &f.after}) {
            if (*v) {
                hit = scrubber.scrub(**v) || hit;
            }
        }
        f.sensitive = f.sensitive || hit;
    }
}

Change removal(const ResourceId& id, std::string kind, Reason reason, Location location) {
    Change c;
    c.id = id;
    c.kind = std::move(kind);
    c.action = Action::remove;
    c.reason = reason;
    c.location = std::move(location);
    return c;
}

void check_protect(const Resource& r, const Change& c, Diagnostics& diags) {
    if (!r.protect || (c.action != Action::remove && c.action != Action::replace)) {
        return;
    }
    std::string msg = std::string("cannot ") + (c.action == Action::remove ? "delete" : "replace") +
                      " protected resource " + resource_label(r);
    if (!c.reason_detail.empty()) {
        msg += " (" + c.reason_detail + ")";
    }
    diags.error(r.location, msg + "; remove metadata.protect to allow it");
}

// The kind of an observed id (a resource group by its shape), or nullptr.
const KindInfo* kind_of(const ResourceId& id) {
    return id.is_resource_group() ? find_kind("ResourceGroup") : find_kind_by_type(id.type());
}

bool is_model_container(const ResourceId& id);

// Where a resource's tags are: its kind's place (a model container: properties.tags), or nullopt.
std::optional<TagsAt> tags_at(const ResourceId& id, const KindInfo* kind) {
    if (kind != nullptr) {
        return kind->tags;
    }
    if (is_model_container(id)) {
        return TagsAt::properties;
    }
    return std::nullopt;
}

// Whose is an observed resource: its tags, or for a kind without tags here the nearest observed
// enclosing resource that has them (a child is its parent's).
ownership::Ownership owner_in(const ResourceId& id, const Json& body, const KindInfo* kind, const ObservedState& observed,
                              std::string_view stack) {
    const auto where = tags_at(id, kind);
    ownership::Ownership o = where ? ownership::owner_of(body, stack, *where) : ownership::Ownership{ownership::Owner::no_tags, {}};
    for (ResourceId up = id.parent(); o.owner == ownership::Owner::no_tags && !up.empty(); up = up.parent()) {
        if (const Json* b = observed.find(up)) {
            if (const auto w = tags_at(up, kind_of(up))) {
                o = ownership::owner_of(*b, stack, *w);
            }
        }
    }
    return o;
}

std::string owner_text(const ownership::Ownership& o) {
    switch (o.owner) {
    case ownership::Owner::this_stack: return "this stack's";
    case ownership::Owner::other_stack: return "stack " + o.stack;
    case ownership::Owner::untagged: return "untagged";
    case ownership::Owner::no_tags: return "no owner recorded";
    }
    return "";
}

// The first message the service gave for a failed provisioning (provisioningErrors), or "".
std::string service_message(const Json& props) {
    const auto errors = props.find("provisioningErrors");
    if (errors == props.end() || !errors->is_array()) {
        return {};
    }
    for (const auto& e : *errors) {
        const Json* error = e.is_object() && e.contains("error") ? &e["error"] : &e;
        if (error->is_object() && error->contains("message") && (*error)["message"].is_string()) {
            return (*error)["message"].get<std::string>();
        }
    }
    return {};
}

// A resource Azure left Failed or Canceled, or still in a non-terminal provisioningState, is not
// converged (observe keeps the state only when it is not Succeeded): it is written again, or
// replaced when its kind recovers only that way (KindInfo::replace_when_failed). Its dependents'
// writes wait for the repair through the plan's edges, so nothing is created below a parent that
// has not succeeded.
void check_state(const Resource& r, const Json& body, Change& c) {
    if (c.action == Action::create || c.action == Action::remove || !body.is_object()) {
        return;
    }
    const auto props = body.find("properties");
    if (props == body.end() || !props->is_object()) {
        return;
    }
    const auto it = props->find("provisioningState");
    if (it == props->end() || !it->is_string() || iequals(it->get_ref<const std::string&>(), "Succeeded")) {
        return;
    }
    const std::string& state = it->get_ref<const std::string&>();
    const bool failed = iequals(state, "Failed") || iequals(state, "Canceled") || iequals(state, "Cancelled");
    const std::string message = service_message(*props);
    std::string detail = "is " + state + (message.empty() ? "" : ": " + message);
    if (failed && r.kind != nullptr && r.kind->replace_when_failed) {
        c.action = Action::replace;
        c.reason = Reason::failed;
        c.reason_detail = detail + "; deleted and created again";
    } else if (c.action == Action::replace) {
        c.reason_detail += " (it " + detail + ")";
    } else {
        c.action = Action::update;
        c.reason = failed ? Reason::failed : Reason::unsettled;
        c.reason_detail = detail + "; written again";
    }
}

// An existing desired resource that is not this stack's: adopted when allowed, else an error.
void check_owner(const Resource& r, const Json& body, const ObservedState& observed, const PlanOptions& options,
                 std::string_view stack, Change& c, Diagnostics& diags) {
    if (c.action != Action::update && c.action != Action::replace && c.action != Action::noop) {
        return;
    }
    const ownership::Ownership o = owner_in(r.id, body, r.kind, observed, stack);
    const std::string label = resource_label(r);
    if (o.owner == ownership::Owner::other_stack) {
        if (o.stack != options.take_over_from) {
            diags.error(r.location, fmt::format("conflict: {} is owned by stack \"{}\" (its converge-stack tag); "
                                                "converge never writes another stack's resource. Remove it from these "
                                                "manifests, or move it to this stack with --take-over-from {}",
                                                label, o.stack, o.stack));
            return;
        }
        if (c.action == Action::update) {
            c.action = Action::adopt;
            c.reason = Reason::take_over;
            c.reason_detail = fmt::format("taken over from stack {} (--take-over-from)", o.stack);
        }
        return;
    }
    if (o.owner != ownership::Owner::untagged) {
        return;
    }
    if (!r.adopt && !options.adopt) {
        diags.error(r.location, fmt::format("{} already exists in Azure and no converge stack owns it (no managed-by/"
                                            "converge-stack tags); to manage it with this stack, set `adopt: true` "
                                            "under its metadata, or pass --adopt (the plan then shows it as adopt)",
                                            label));
        return;
    }
    if (c.action == Action::update) {
        c.action = Action::adopt;
        c.reason = Reason::untagged;
        c.reason_detail = r.adopt ? "exists without ownership tags (metadata.adopt)" : "exists without ownership tags (--adopt)";
    }
}

std::vector<ResourceId> edges_of(const Graph& g, std::size_t i) {
    const auto deps = g.deps(i);
    std::vector<ResourceId> out;
    out.reserve(deps.size());
    for (const auto& e : deps) {
        out.push_back(g.id(e.to));
    }
    if (out.size() > 1) {
        std::sort(out.begin(), out.end());
    }
    return out;
}

// Observed resources this stack owns that the manifests no longer name, dependents first.
std::vector<Change> pruned(const DesiredSet& desired, const ObservedState& observed, Reason reason) {
    std::unordered_set<ResourceId> keep;
    for (const auto& r : desired.resources) {
        for (ResourceId up = r.id; !up.empty(); up = up.parent()) {
            keep.insert(up);  // never prune a desired resource or anything that encloses one
        }
    }
    std::vector<GraphInput> inputs;
    std::vector<const KindInfo*> kinds;
    for (const auto& [id, body] : observed.resources) {
        const KindInfo* kind = kind_of(id);
        // A run (Job) is history: never pruned (KindInfo::run_once, docs/kinds.md "Jobs").
        if (!kind || kind->run_once || keep.count(id) || !ownership::owned(body, desired.stack, *kind)) {
            continue;
        }
        inputs.push_back({id, resource_label(kind->name, id), &body, nullptr, {}, nullptr});
        kinds.push_back(kind);
    }
    const Graph g = build_graph(inputs);
    auto order = topological_order(g).order;  // observed data has no cycles worth reporting
    std::reverse(order.begin(), order.end());
    std::vector<Change> out;
    for (auto i : order) {
        out.push_back(removal(g.id(i), std::string(kinds[i]->name), reason, {}));
        out.back().depends_on = edges_of(g, i);
    }
    return out;
}

// The id's last type segment is `segment` (cheap: most ids are not), and its type is `type`.
bool is_type(const ResourceId& id, std::string_view segment, std::string_view type) {
    const std::string& text = id.str();
    const std::size_t name = text.rfind('/');
    const std::size_t at = name == std::string::npos || name == 0 ? std::string::npos : text.rfind('/', name - 1);
    return at != std::string::npos && iequals(std::string_view(text).substr(at + 1, name - at - 1), segment) &&
           iequals(id.type(), type);
}

bool is_model_version(const ResourceId& id) {
    return is_type(id, "versions", "Microsoft.MachineLearningServices/workspaces/models/versions");
}

bool is_model_container(const ResourceId& id) {
    return is_type(id, "models", "Microsoft.MachineLearningServices/workspaces/models");
}

void add_dependency(Change& c, const ResourceId& id) {
    if (std::find(c.depends_on.begin(), c.depends_on.end(), id) == c.depends_on.end()) {
        c.depends_on.insert(std::upper_bound(c.depends_on.begin(), c.depends_on.end(), id), id);
    }
}

Change container_change(const ResourceId& container, Action action, Reason reason, std::string detail) {
    Change c;
    c.id = container;
    c.kind = k_model_container_kind;
    c.action = action;
    c.reason = reason;
    c.reason_detail = std::move(detail);
    return c;
}

// Model containers as changes of their own: created once before the first version when observe
// saw neither the container nor any version of it (instead of every version racing to PUT it),
// and deleted after the last version when this stack owns them and no version is kept or
// written. Each version depends on its container; a container on what its version's parent is.
void plan_model_containers(std::vector<Change>& changes, const DesiredSet& desired, const ObservedState& observed) {
    bool any = false;
    for (const auto& c : changes) {
        any = any || (c.action != Action::noop && is_model_version(c.id));
    }
    if (!any) {
        return;
    }
    std::unordered_set<ResourceId> known;  // containers observed, or holding an observed version
    std::unordered_map<ResourceId, std::size_t> observed_versions;
    for (const auto& [id, body] : observed.resources) {
        if (is_model_version(id)) {
            known.insert(id.parent());
            ++observed_versions[id.parent()];
        } else if (is_model_container(id)) {
            known.insert(id);
        }
    }
    std::unordered_set<ResourceId> written;  // containers that get a version (create, update, replace)
    std::unordered_map<ResourceId, std::size_t> deleted;  // container -> versions deleted
    for (const auto& c : changes) {
        if (!is_model_version(c.id)) {
            continue;
        }
        if (c.action == Action::remove) {
            ++deleted[c.id.parent()];
        } else if (c.action != Action::noop) {
            written.insert(c.id.parent());
        }
    }
    std::unordered_set<ResourceId> deletes;  // containers to delete (after their last version)
    for (const auto& [container, n] : deleted) {
        const Json* body = observed.find(container);
        if (body != nullptr && ownership::owned(*body, desired.stack, TagsAt::properties) && written.count(container) == 0 &&
            observed_versions[container] == n) {
            deletes.insert(container);
        }
    }
    // The container changes go right before the first version created / after the last deleted,
    // inserted in place (a second vector of 100k changes would double the plan's memory).
    std::vector<std::pair<std::size_t, Change>> before;  // (index, change to insert before it)
    std::vector<std::pair<std::size_t, Change>> after;   // (index, change to insert after it)
    std::unordered_set<ResourceId> created;
    for (std::size_t i = 0; i < changes.size(); ++i) {
        Change& c = changes[i];
        if (c.action == Action::noop || !is_model_version(c.id)) {
            continue;
        }
        const ResourceId container = c.id.parent();
        if (c.action == Action::create && known.count(container) == 0) {
            if (created.insert(container).second) {
                Change make = container_change(container, Action::create, Reason::absent,
                                               "holds the versions of Model/" + container.name());
                for (const auto& d : c.depends_on) {  // the version's parent edge: its workspace
                    for (ResourceId up = container.parent(); !up.empty(); up = up.parent()) {
                        if (up == d) {
                            make.depends_on.push_back(d);
                        }
                    }
                }
                before.emplace_back(i, std::move(make));
            }
            add_dependency(c, container);
        }
        if (c.action == Action::remove && deletes.count(container) != 0) {
            add_dependency(c, container);
            if (--deleted[container] == 0) {
                after.emplace_back(i, container_change(container, Action::remove, c.reason, "its last version is deleted"));
            }
        }
    }
    if (before.empty() && after.empty()) {
        return;
    }
    const std::size_t n = changes.size();
    changes.resize(n + before.size() + after.size());
    std::size_t w = changes.size();
    auto b = before.rbegin();
    auto a = after.rbegin();
    for (std::size_t i = n; i-- > 0;) {
        if (a != after.rend() && a->first == i) {
            changes[--w] = std::move(a->second);
            ++a;
        }
        if (--w != i) {
            changes[w] = std::move(changes[i]);
        }
        if (b != before.rend() && b->first == i) {
            changes[--w] = std::move(b->second);
            ++b;
        }
    }
}

// ARM ids named in an observed body's properties (a workspace's storageAccount, ...).
void referenced_ids(const Json& body, std::vector<ResourceId>& out) {
    if (body.is_string()) {
        const auto& s = body.get_ref<const std::string&>();
        if (looks_like_arm_id(s)) {
            if (auto id = ResourceId::parse(s)) {
                out.push_back(*id);
            }
        }
    } else if (body.is_structured()) {
        for (const auto& item : body) {
            referenced_ids(item, out);
        }
    }
}

// What a delete must wait for, as edges of the plan: a delete of X depends on every deleted P
// that X names (graph edges, ids in X's observed properties) or that encloses X, so P's delete
// waits for X's. Only deleted ids are kept: apply orders deletes among deletes.
void delete_edges(std::vector<Change>& changes, const ObservedState& observed) {
    std::unordered_set<ResourceId> deleted;
    for (const auto& c : changes) {
        if (c.action == Action::remove || c.action == Action::replace) {
            deleted.insert(c.id);
        }
    }
    if (deleted.empty()) {
        return;
    }
    std::vector<ResourceId> named;
    for (auto& c : changes) {
        if (c.action != Action::remove && c.action != Action::replace) {
            continue;
        }
        named.clear();
        if (const Json* body = observed.find(c.id); body != nullptr && body->is_object() && body->contains("properties")) {
            referenced_ids(body->at("properties"), named);
        }
        for (ResourceId p = c.id.parent(); !p.empty(); p = p.parent()) {
            named.push_back(p);
        }
        for (const auto& id : named) {
            if (!(id == c.id) && deleted.count(id) != 0) {
                add_dependency(c, id);
            }
        }
    }
}

// The bodies of the resources diffed next are scattered in memory: their top-level members are
// asked for a few resources ahead, in three steps so that no step waits for memory (the entry,
// then the object it points to, then the object's members).
constexpr std::size_t k_ahead = 12;

const Json::object_t* object_of(const Json* j) {
    return j && j->is_object() ? &j->get_ref<const Json::object_t&>() : nullptr;
}

void prefetch_ahead(const DesiredSet& desired, const std::vector<const Json*>& found, std::size_t i) {
    const std::size_t n = found.size();
    if (i + k_ahead < n) {
        __builtin_prefetch(found[i + k_ahead]);
    }
    if (i + k_ahead / 2 < n) {
        const std::size_t j = i + k_ahead / 2;
        __builtin_prefetch(object_of(found[j]));
        __builtin_prefetch(object_of(&desired.resources[j].body));
    }
    if (i + 2 < n) {
        for (const Json::object_t* o : {object_of(found[i + 2]), object_of(&desired.resources[i + 2].body)}) {
            if (o && !o->empty()) {
                __builtin_prefetch(o->data());
                __builtin_prefetch(reinterpret_cast<const char*>(o->data()) + 64);
            }
        }
    }
}

std::string held_list(const std::vector<std::pair<ResourceId, ownership::Ownership>>& held) {
    constexpr std::size_t k_shown = 5;
    std::string out;
    for (std::size_t k = 0; k < held.size() && k < k_shown; ++k) {
        const KindInfo* kind = kind_of(held[k].first);
        // A std::string: ResourceId::type() returns a temporary (a view of it dangled; ASan).
        const std::string name = kind                                ? std::string(kind->name)
                                 : is_model_container(held[k].first) ? std::string(k_model_container_kind)
                                                                     : held[k].first.type();
        out += (k ? ", " : "") + resource_label(name, held[k].first) + " (" +
               owner_text(held[k].second) + ")";
    }
    if (held.size() > k_shown) {
        out += fmt::format(" and {} more", held.size() - k_shown);
    }
    return out;
}

// Deletes never take what is not deleted with them: a delete of a resource that holds (in
// `observed`) anything this plan does not delete becomes a keep (or, with
// --force-delete-contents, says what it takes along), and so does the delete of anything a kept
// resource names or lives in. Runs after delete_edges (it follows their edges).
void keep_holders(std::vector<Change>& changes, const DesiredSet& desired, const ObservedState& observed, bool force) {
    std::unordered_map<ResourceId, std::size_t> removed;  // id -> change
    for (std::size_t i = 0; i < changes.size(); ++i) {
        if (changes[i].action == Action::remove) {
            removed.emplace(changes[i].id, i);
        }
    }
    if (removed.empty()) {
        return;
    }
    std::unordered_map<std::size_t, std::vector<ResourceId>> inside;  // change -> observed ids inside it
    for (const auto& [id, body] : observed.resources) {
        if (const KindInfo* kind = kind_of(id); kind != nullptr && created_with_parent(*kind, id.name())) {
            continue;  // goes with its parent
        }
        for (ResourceId up = id.parent(); !up.empty(); up = up.parent()) {
            if (auto it = removed.find(up); it != removed.end()) {
                inside[it->second].push_back(id);
            }
        }
    }
    auto deleted = [&](const ResourceId& id) {
        const auto it = removed.find(id);
        return it != removed.end() && changes[it->second].action == Action::remove;
    };
    for (bool again = true; again;) {
        again = false;
        for (auto& [i, ids] : inside) {
            Change& c = changes[i];
            if (c.action != Action::remove || c.reason == Reason::holds_unowned) {
                continue;
            }
            std::vector<std::pair<ResourceId, ownership::Ownership>> held;
            bool all_foreign = true;
            for (const auto& id : ids) {
                if (!deleted(id)) {
                    const Json& body = *observed.find(id);
                    held.emplace_back(id, owner_in(id, body, kind_of(id), observed, desired.stack));
                    all_foreign = all_foreign && held.back().second.owner != ownership::Owner::this_stack;
                }
            }
            if (held.empty()) {
                continue;
            }
            std::sort(held.begin(), held.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            c.reason = Reason::holds_unowned;
            c.reason_detail = fmt::format("holds {} resource{} this {}: {}", held.size(), held.size() == 1 ? "" : "s",
                                          all_foreign ? "stack does not own" : "plan does not delete", held_list(held));
            if (!force) {
                c.action = Action::keep;
                again = true;
            }
        }
        for (auto& k : changes) {  // what a kept resource names or lives in stays too
            if (k.action != Action::keep) {
                continue;
            }
            for (const auto& target : k.depends_on) {
                if (auto it = removed.find(target); it != removed.end() && changes[it->second].action == Action::remove) {
                    Change& p = changes[it->second];
                    p.action = Action::keep;
                    p.reason = Reason::used_by_kept;
                    p.reason_detail = resource_label(k.kind, k.id) + ", which is kept, uses it";
                    again = true;
                }
            }
        }
    }
}

// A key vault to create whose name is soft-deleted (ObservedState::soft_deleted): Azure refuses
// the create (409 ConflictError), so the plan says so now. --recover makes it a create with
// createMode: recover; --purge-soft-deleted a purge, then a create (destructive).
void check_soft_deleted(std::vector<Change>& changes, const ObservedState& observed, const PlanOptions& options,
                        Diagnostics& diags) {
    if (observed.soft_deleted.empty()) {
        return;
    }
    for (auto& c : changes) {
        if (c.action != Action::create || c.kind != "KeyVault") {
            continue;
        }
        const auto deleted = std::find_if(observed.soft_deleted.begin(), observed.soft_deleted.end(), [&](const ResourceId& d) {
            return iequals(d.subscription(), c.id.subscription()) && iequals(d.name(), c.id.name());
        });
        if (deleted == observed.soft_deleted.end()) {
            continue;
        }
        const std::string label = resource_label(c.kind, c.id);
        if (options.recover && options.purge_soft_deleted) {
            diags.error(c.location, "--recover and --purge-soft-deleted exclude each other");
            return;
        }
        if (options.recover) {
            c.reason = Reason::recover;
            c.reason_detail = "recovered from soft-delete (--recover, createMode: recover)";
            FieldChange mode;
            mode.path = "/properties/createMode";
            mode.after = Json("recover");
            c.fields.insert(c.fields.begin(), std::move(mode));
        } else if (options.purge_soft_deleted) {
            c.reason = Reason::purge_soft_deleted;
            c.reason_detail = "created AFTER PURGING the soft-deleted vault of that name (--purge-soft-deleted), "
                              "whose keys, secrets and certificates are lost for good";
        } else {
            diags.error(c.location,
                        fmt::format("{} cannot be created: a key vault of that name was deleted and is soft-deleted "
                                    "(it was {}), and "
                                    "Azure refuses the name until it is recovered or purged. Pass --recover to restore "
                                    "it (createMode: recover), or --purge-soft-deleted to purge it for good and create "
                                    "it anew (destructive)",
                                    label, deleted->str()));
        }
    }
}

// Drift or pending (docs/sync.md): the digest apply recorded against the desired body's now.
// A changed secret is a manifest change whatever the digest says (the digest leaves secrets out).
void classify_origin(const Resource& r, const Json& body, Change& c) {
    if (r.kind == nullptr || c.fields.empty() || (c.action != Action::update && c.action != Action::replace) ||
        c.reason == Reason::failed || c.reason == Reason::unsettled) {
        return;
    }
    const bool secret_rotated = std::any_of(c.fields.begin(), c.fields.end(), [](const FieldChange& f) {
        return f.sensitive && f.before && f.after && *f.before == *f.after;
    });
    const std::string* recorded = applied::recorded(body, *r.kind);
    if (recorded == nullptr) {
        c.origin = Origin::unknown;
    } else {
        c.origin = !secret_rotated && *recorded == applied::digest(r) ? Origin::drift : Origin::pending;
    }
}

}  // namespace

PlanResult build_plan(const DesiredSet& desired, const ObservedState& observed, const PlanOptions& options) {
    PlanResult result;
    // Each resource is diffed into its node's slot; the changes are then taken in dependency order.
    std::vector<Change> diffs(options.destroy ? 0 : desired.resources.size());
    // The observed bodies are looked up in a loop of their own: its lookups are independent, so
    // the processor overlaps their cache misses.
    std::vector<const Json*> found(diffs.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
        found[i] = observed.find(desired.resources[i].id);
    }
    for (std::size_t i = 0; i < diffs.size(); ++i) {
        prefetch_ahead(desired, found, i);
        detail::diff_fields(desired.resources[i], found[i], diffs[i]);
    }
    detail::check_secret_rotation(desired, found, diffs, result.diagnostics);
    const Graph g = build_graph(desired);
    const Ordering ordering = topological_order(g);
    result.diagnostics.append(ordering.diagnostics);
    if (ordering.diagnostics.has_errors()) {
        return result;
    }
    if (options.destroy) {
        for (auto it = ordering.order.rbegin(); it != ordering.order.rend(); ++it) {
            const Resource& r = desired.resources[*it];
            if (r.kind != nullptr && r.kind->run_once) {
                continue;  // a job is history Azure keeps: destroy leaves it (docs/kinds.md "Jobs")
            }
            if (const Json* body = observed.find(r.id)) {
                Change c = removal(r.id, r.kind ? std::string(r.kind->name) : r.arm_type, Reason::destroy, r.location);
                c.depends_on = edges_of(g, *it);
                const ownership::Ownership o = owner_in(r.id, *body, r.kind, observed, desired.stack);
                if (o.owner != ownership::Owner::this_stack) {
                    c.action = Action::keep;  // destroy deletes only what this stack owns
                    c.reason = Reason::not_owned;
                    c.reason_detail = o.owner == ownership::Owner::other_stack
                                          ? "owned by stack " + o.stack
                                          : "not created by this stack (no ownership tags); converge does not delete it";
                }
                check_protect(r, c, result.diagnostics);
                result.plan.changes.push_back(std::move(c));
            }
        }
    } else {
        const Scrubber scrubber(desired.secret_values);
        for (auto i : ordering.order) {
            const Resource& r = desired.resources[i];
            Change& c = diffs[i];
            c.depends_on = edges_of(g, i);
            if (found[i] != nullptr && r.kind != nullptr && r.kind->run_once) {
                // Its name is a hash of its spec: one that exists is these inputs' run, whatever
                // its status (docs/kinds.md "Jobs"); never written again.
                c.action = Action::noop;
                c.reason = Reason::none;
                c.reason_detail.clear();
                c.fields.clear();
                c.ignored = 0;
                continue;
            }
            scrub_change(c, scrubber);
            if (found[i] != nullptr) {
                check_state(r, *found[i], c);
            }
            if (found[i] != nullptr && !desired.stack.empty()) {
                check_owner(r, *found[i], observed, options, desired.stack, c, result.diagnostics);
            }
            check_protect(r, c, result.diagnostics);
            if (found[i] != nullptr) {
                classify_origin(r, *found[i], c);
            }
        }
        // In dependency order, in place: a second vector of changes was 20 MB at 100k resources.
        if (ordering.order.size() == diffs.size()) {
            permute(diffs, ordering.order);
            result.plan.changes = std::move(diffs);
        } else {
            for (auto i : ordering.order) {
                result.plan.changes.push_back(std::move(diffs[i]));
            }
        }
        check_soft_deleted(result.plan.changes, observed, options, result.diagnostics);
    }
    if (options.prune) {
        if (desired.stack.empty()) {
            result.diagnostics.error({}, "--prune needs a stack name (set `stack:` in converge.yaml)");
            return result;
        }
        for (auto& c : pruned(desired, observed, Reason::pruned)) {
            result.plan.changes.push_back(std::move(c));
        }
    } else if (!options.destroy && !desired.stack.empty()) {
        for (auto& c : pruned(desired, observed, Reason::pruned)) {
            c.action = Action::noop;  // listed, not deleted: Plan::orphans
            c.depends_on.clear();
            result.plan.orphans.push_back(std::move(c));
        }
        std::sort(result.plan.orphans.begin(), result.plan.orphans.end(),
                  [](const Change& a, const Change& b) { return a.id < b.id; });
    }
    plan_model_containers(result.plan.changes, desired, observed);
    delete_edges(result.plan.changes, observed);
    keep_holders(result.plan.changes, desired, observed, options.force_delete_contents);
    return result;
}

}  // namespace converge
