#include "converge/apply.hpp"

#include <unordered_map>
#include <unordered_set>

namespace converge {

namespace {

Step make_step(const Change& change, Action action, bool replace) {
    Step step;
    step.id = change.id;
    step.kind = change.kind;
    step.action = action;
    step.part_of_replace = replace;
    return step;
}

}  // namespace

StepGraph build_step_graph(const Plan& plan) {
    StepGraph g;
    std::unordered_map<ResourceId, std::size_t> writes;     // create/update step by id
    std::unordered_map<ResourceId, std::size_t> deletes;    // delete step by id
    std::unordered_map<ResourceId, const Change*> unchanged;  // no-op changes, passed through
    std::vector<const Change*> change_of;
    for (const auto& change : plan.changes) {
        const bool replace = change.action == Action::replace;
        if (change.action == Action::noop || change.action == Action::keep) {
            unchanged.emplace(change.id, &change);  // a keep writes nothing: it stays as it is
        }
        if (change.action == Action::remove || replace) {
            deletes[change.id] = g.steps.size();
            g.steps.push_back(make_step(change, Action::remove, replace));
            change_of.push_back(&change);
        }
        if (change.action == Action::create || change.action == Action::update || change.action == Action::adopt ||
            replace) {
            // An adopt is an update: the desired body, ownership tags included, written in place.
            const Action action = replace ? Action::create : change.action == Action::adopt ? Action::update : change.action;
            writes[change.id] = g.steps.size();
            g.steps.push_back(make_step(change, action, replace));
            change_of.push_back(&change);
        }
    }
    g.waits_for.resize(g.steps.size());
    std::vector<const ResourceId*> todo;
    std::unordered_set<const Change*> seen;
    for (std::size_t i = 0; i < g.steps.size(); ++i) {
        const Step& step = g.steps[i];
        const Change& change = *change_of[i];
        if (step.action == Action::remove) {
            // A delete of P waits for the deletes of what depends on P: dependents go first.
            for (const auto& target : change.depends_on) {
                if (auto it = deletes.find(target); it != deletes.end() && it->second != i) {
                    g.waits_for[it->second].push_back(i);
                }
            }
            continue;
        }
        if (step.part_of_replace) {
            g.waits_for[i].push_back(deletes.at(step.id));  // replace: delete, then create
        }
        // The writes this one depends on, through unchanged resources' own edges.
        todo.clear();
        seen.clear();
        for (const auto& target : change.depends_on) {
            todo.push_back(&target);
        }
        while (!todo.empty()) {
            const ResourceId& target = *todo.back();
            todo.pop_back();
            if (auto it = writes.find(target); it != writes.end()) {
                if (it->second != i) {
                    g.waits_for[i].push_back(it->second);
                }
            } else if (auto u = unchanged.find(target); u != unchanged.end() && seen.insert(u->second).second) {
                for (const auto& next : u->second->depends_on) {
                    todo.push_back(&next);
                }
            }
        }
    }
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
