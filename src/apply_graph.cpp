#include "converge/apply.hpp"
#include "converge/observe.hpp"
#include "converge/ownership.hpp"

#include <map>
#include <unordered_map>
#include <unordered_set>

namespace converge {

namespace {

// Everything a resource must wait for when it is created: declared edges, refs, ancestors.
// ARM ids a body refers to (a workspace's storageAccount, ...): edges for resources that
// are only observed, such as pruned ones.
void referenced_ids(const Json& body, std::vector<ResourceId>& out) {
    if (body.is_string()) {
        const auto& s = body.get_ref<const std::string&>();
        if (s.size() > 15 && s[0] == '/' && (s.compare(0, 15, "/subscriptions/") == 0 || s.compare(0, 15, "/Subscriptions/") == 0)) {
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

std::vector<ResourceId> prerequisites(const Change& change, const Resource* desired, const Json* observed) {
    std::vector<ResourceId> out = change.depends_on;
    if (observed != nullptr && observed->contains("properties")) {
        referenced_ids(observed->at("properties"), out);
    }
    if (desired != nullptr) {
        for (const auto& d : desired->depends_on) {
            out.push_back(d.target);
        }
        for (const auto& d : desired->deferred) {
            out.push_back(d.target);
        }
    }
    for (ResourceId p = change.id.parent(); !p.empty(); p = p.parent()) {
        out.push_back(p);
    }
    return out;
}

Step make_step(const Change& change, Action action, bool replace) {
    Step step;
    step.id = change.id;
    step.kind = change.kind;
    step.action = action;
    step.part_of_replace = replace;
    return step;
}

bool is_model_version(const ResourceId& id) {
    return iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/models/versions");
}

// Created by converge for this stack; a model container carries its tags like its versions.
bool owned(const Json& body, const std::string& stack) {
    return ownership::owned(body, stack, TagsAt::properties);
}

Step container_step(const ResourceId& container, Action action) {
    Step step;
    step.id = container;
    step.kind = k_model_container_kind;
    step.action = action;
    step.implicit = true;
    return step;
}

// Model containers: created once before the first version when not known to exist (instead of
// every version racing to PUT it), and deleted after the last version when this stack owns them.
void add_model_containers(StepGraph& g, const DesiredSet& desired, const ObservedState& observed,
                          const std::unordered_map<ResourceId, std::size_t>& writes,
                          const std::unordered_map<ResourceId, std::size_t>& deletes) {
    std::unordered_set<ResourceId> known;  // containers observed, or holding an observed version
    std::map<ResourceId, std::size_t> observed_versions;
    for (const auto& [id, body] : observed.resources) {
        if (is_model_version(id)) {
            known.insert(id.parent());
            ++observed_versions[id.parent()];
        } else if (iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/models")) {
            known.insert(id);
        }
    }
    std::unordered_set<ResourceId> written;  // containers that keep or get a version (destroy removes desired ones)
    std::map<ResourceId, std::size_t> creates;
    std::map<ResourceId, std::vector<std::size_t>> version_deletes;
    const std::size_t planned = g.steps.size();
    for (std::size_t i = 0; i < planned; ++i) {
        const Step& step = g.steps[i];
        const ResourceId container = step.id.parent();
        if (!is_model_version(step.id)) {
            continue;
        }
        if (step.action == Action::remove && !step.part_of_replace) {
            version_deletes[container].push_back(i);
            continue;
        }
        written.insert(container);
        if (step.action == Action::create && known.count(container) == 0) {
            auto [it, added] = creates.emplace(container, g.steps.size());
            if (added) {
                g.steps.push_back(container_step(container, Action::create));
                g.waits_for.emplace_back();
                for (ResourceId p = container.parent(); !p.empty(); p = p.parent()) {
                    if (auto w = writes.find(p); w != writes.end()) {
                        g.waits_for.back().push_back(w->second);
                    }
                }
            }
            g.waits_for[i].push_back(it->second);
        }
    }
    for (const auto& [container, versions] : version_deletes) {
        const Json* body = observed.find(container);
        if (body == nullptr || !owned(*body, desired.stack) || written.count(container) != 0 ||
            observed_versions[container] != versions.size()) {
            continue;  // not ours, not known, or versions remain: leave it
        }
        const std::size_t c = g.steps.size();
        g.steps.push_back(container_step(container, Action::remove));
        g.waits_for.push_back(versions);
        for (ResourceId p = container.parent(); !p.empty(); p = p.parent()) {
            if (auto d = deletes.find(p); d != deletes.end()) {
                g.waits_for[d->second].push_back(c);  // the workspace goes after its containers
            }
        }
    }
}

}  // namespace

StepGraph build_step_graph(const Plan& plan, const DesiredSet& desired, const ObservedState& observed) {
    StepGraph g;
    std::unordered_map<ResourceId, std::size_t> writes;   // create/update step by id
    std::unordered_map<ResourceId, std::size_t> deletes;  // delete step by id
    std::vector<const Change*> change_of;
    for (const auto& change : plan.changes) {
        const bool replace = change.action == Action::replace;
        if (change.action == Action::remove || replace) {
            deletes[change.id] = g.steps.size();
            g.steps.push_back(make_step(change, Action::remove, replace));
            change_of.push_back(&change);
        }
        if (change.action == Action::create || change.action == Action::update || replace) {
            writes[change.id] = g.steps.size();
            g.steps.push_back(make_step(change, replace ? Action::create : change.action, replace));
            change_of.push_back(&change);
        }
    }
    g.waits_for.resize(g.steps.size());
    for (std::size_t i = 0; i < g.steps.size(); ++i) {
        const Step& step = g.steps[i];
        const auto prereqs = prerequisites(*change_of[i], desired.find(step.id), observed.find(step.id));
        if (step.action != Action::remove) {
            if (step.part_of_replace) {
                g.waits_for[i].push_back(deletes.at(step.id));  // replace: delete, then create
            }
            for (const auto& target : prereqs) {
                if (auto it = writes.find(target); it != writes.end() && it->second != i) {
                    g.waits_for[i].push_back(it->second);
                }
            }
            continue;
        }
        // A delete of X' prerequisite P must wait for X's delete: dependents go first.
        for (const auto& target : prereqs) {
            if (auto it = deletes.find(target); it != deletes.end() && it->second != i) {
                g.waits_for[it->second].push_back(i);
            }
        }
    }
    add_model_containers(g, desired, observed, writes, deletes);
    return g;
}

Json substitute_ref(const std::string& text, const DeferredRef& ref, const Json& value) {
    // "${ref:Workspace/ws:properties.discoveryUrl}/x": match the name and the field.
    const std::string name = ref.target.name();
    std::string out;
    std::size_t pos = 0;
    bool whole = false;
    while (true) {
        const std::size_t start = text.find("${ref:", pos);
        const std::size_t end = start == std::string::npos ? start : text.find('}', start);
        if (end == std::string::npos) {
            out += text.substr(pos);
            break;
        }
        const std::string inner = text.substr(start + 6, end - start - 6);  // Kind/name:field
        const std::size_t colon = inner.find(':');
        const std::size_t slash = inner.find('/');
        const bool match = colon != std::string::npos && slash != std::string::npos && slash < colon &&
                           inner.substr(colon + 1) == ref.field &&
                           inner.substr(slash + 1, colon - slash - 1) == name;
        out += text.substr(pos, start - pos);
        if (match && start == 0 && end + 1 == text.size() && !value.is_string()) {
            whole = true;
        }
        out += match ? (value.is_string() ? value.get<std::string>() : value.dump()) : text.substr(start, end + 1 - start);
        pos = end + 1;
    }
    return whole ? value : Json(out);
}

}  // namespace converge
