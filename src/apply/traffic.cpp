// An online endpoint's traffic names its deployments, which live below it: the endpoint must
// exist before them, and its traffic may only name deployments that exist (Azure answers 400
// otherwise). So a write of an endpoint whose traffic names a deployment this plan writes is
// split: the endpoint first with its traffic as observed (none for a new one), the deployments,
// then the whole body once they have converged. Deletes go the other way: a deployment that
// still takes traffic is deleted after the endpoint's write that takes its traffic away.
#include "converge/apply.hpp"

#include "apply/internal.hpp"

#include <algorithm>

namespace converge {

namespace {

constexpr std::string_view k_endpoint = "OnlineEndpoint";
constexpr std::string_view k_deployment = "OnlineDeployment";
constexpr const char* k_weights[] = {"traffic", "mirrorTraffic"};

// The deployment names a body's traffic and mirrorTraffic hold, with their weights.
std::vector<std::pair<std::string, long long>> weights_of(const Json* body) {
    std::vector<std::pair<std::string, long long>> out;
    if (body == nullptr || !body->contains("properties") || !(*body)["properties"].is_object()) {
        return out;
    }
    const Json& props = (*body)["properties"];
    for (const char* field : k_weights) {
        if (const auto it = props.find(field); it != props.end() && it->is_object()) {
            for (const auto& [name, weight] : it->items()) {
                out.emplace_back(name, weight.is_number() ? weight.get<long long>() : 0);
            }
        }
    }
    return out;
}

bool touches_traffic(const Change& change) {
    return std::any_of(change.fields.begin(), change.fields.end(), [](const FieldChange& f) {
        return path_matches("/properties/traffic", f.path) || path_matches("/properties/mirrorTraffic", f.path);
    });
}

bool names(const std::vector<std::pair<std::string, long long>>& weights, const std::string& name, bool live) {
    return std::any_of(weights.begin(), weights.end(),
                       [&](const auto& w) { return iequals(w.first, name) && (!live || w.second > 0); });
}

void drop(std::vector<std::size_t>& edges, std::size_t target) {
    std::erase(edges, target);
}

// The write steps of deployments below `endpoint` that its desired traffic names.
std::vector<std::size_t> named_writes(const StepGraph& g, const ResourceId& endpoint,
                                      const std::vector<std::pair<std::string, long long>>& weights) {
    std::vector<std::size_t> out;
    for (std::size_t j = 0; j < g.steps.size(); ++j) {
        const Step& s = g.steps[j];
        if (s.kind == k_deployment && s.action != Action::remove && s.id.parent() == endpoint &&
            names(weights, s.id.name(), false)) {
            out.push_back(j);
        }
    }
    return out;
}

void split_write(StepGraph& g, std::size_t i, const Change& change, const DesiredSet& desired) {
    const Resource* r = desired.find(g.steps[i].id);
    if (r == nullptr) {
        return;
    }
    const bool create = g.steps[i].action == Action::create;
    if (!create && !touches_traffic(change)) {
        return;  // the traffic stays as it is: the deployments may change under it
    }
    const std::vector<std::size_t> deployments = named_writes(g, g.steps[i].id, weights_of(&r->body));
    if (deployments.empty()) {
        return;
    }
    const bool only_traffic = !create && std::all_of(change.fields.begin(), change.fields.end(), [](const FieldChange& f) {
        return path_matches("/properties/traffic", f.path) || path_matches("/properties/mirrorTraffic", f.path);
    });
    if (only_traffic) {
        // One in-place update, after the deployments (which need not wait for it).
        g.steps[i].traffic = TrafficPart::traffic;
        for (std::size_t d : deployments) {
            drop(g.waits_for[d], i);
            g.waits_for[i].push_back(d);
        }
        return;
    }
    g.steps[i].traffic = TrafficPart::without;
    Step traffic = g.steps[i];
    traffic.action = Action::update;
    traffic.part_of_replace = false;
    traffic.traffic = TrafficPart::traffic;
    g.steps.push_back(traffic);
    g.waits_for.push_back({i});
    for (std::size_t d : deployments) {
        g.waits_for.back().push_back(d);
    }
}

// The step that last writes the endpoint's traffic, or npos.
std::size_t traffic_write(const StepGraph& g, const ResourceId& endpoint) {
    std::size_t out = g.steps.size();
    for (std::size_t j = 0; j < g.steps.size(); ++j) {
        const Step& s = g.steps[j];
        if (s.kind == k_endpoint && s.id == endpoint && s.action != Action::remove &&
            (out == g.steps.size() || s.traffic == TrafficPart::traffic)) {
            out = j;
        }
    }
    return out;
}

// A deployment that takes traffic (as observed) is deleted after the endpoint's traffic moves
// away from it, or after the endpoint itself is deleted (Azure deletes its deployments with it:
// the deployment's own DELETE then finds it gone).
void order_delete(StepGraph& g, std::size_t d, const ObservedState& observed) {
    const ResourceId endpoint = g.steps[d].id.parent();
    if (!names(weights_of(observed.find(endpoint)), g.steps[d].id.name(), true)) {
        return;
    }
    if (const std::size_t w = traffic_write(g, endpoint); w < g.steps.size()) {
        if (!g.steps[w].part_of_replace) {
            g.waits_for[d].push_back(w);
        }
        return;
    }
    for (std::size_t e = 0; e < g.steps.size(); ++e) {
        if (g.steps[e].kind == k_endpoint && g.steps[e].id == endpoint && g.steps[e].action == Action::remove &&
            !g.steps[e].part_of_replace) {
            drop(g.waits_for[e], d);
            g.waits_for[d].push_back(e);
        }
    }
}

// A smoke test runs once the endpoint and everything this apply writes below it have converged;
// not at all when this apply writes none of them.
void add_smoke_test(StepGraph& g, const ResourceId& endpoint) {
    std::vector<std::size_t> writes;
    for (std::size_t j = 0; j < g.steps.size(); ++j) {
        const Step& s = g.steps[j];
        if (s.action != Action::remove && (s.id == endpoint || (s.kind == k_deployment && s.id.parent() == endpoint))) {
            writes.push_back(j);
        }
    }
    if (writes.empty()) {
        return;
    }
    Step test;
    test.id = endpoint;
    test.kind = k_smoke_test_kind;
    test.action = Action::update;
    g.steps.push_back(test);
    g.waits_for.push_back(std::move(writes));
}

}  // namespace

StepGraph build_step_graph(const Plan& plan, const DesiredSet& desired, const ObservedState& observed) {
    StepGraph g = build_step_graph(plan);
    const std::size_t n = g.steps.size();
    for (std::size_t i = 0; i < n; ++i) {
        const Step& s = g.steps[i];
        if (s.kind != k_endpoint || (s.action != Action::create && s.action != Action::update)) {
            continue;
        }
        const auto change = std::find_if(plan.changes.begin(), plan.changes.end(),
                                         [&](const Change& c) { return c.id == s.id; });
        if (change != plan.changes.end()) {
            split_write(g, i, *change, desired);
        }
    }
    for (std::size_t d = 0; d < g.steps.size(); ++d) {
        if (g.steps[d].kind == k_deployment && g.steps[d].action == Action::remove && !g.steps[d].part_of_replace) {
            order_delete(g, d, observed);
        }
    }
    for (const auto& r : desired.resources) {
        if (r.kind != nullptr && r.kind->name == k_endpoint && !r.smoke_test.is_null()) {
            add_smoke_test(g, r.id);
        }
    }
    return g;
}

}  // namespace converge

namespace converge::detail {

void keep_observed_traffic(Json& body, const Json* observed) {
    if (!body.contains("properties") || !body["properties"].is_object()) {
        return;
    }
    for (const char* field : k_weights) {
        body["properties"].erase(field);
        if (observed != nullptr && observed->contains("properties") && (*observed)["properties"].contains(field)) {
            body["properties"][field] = (*observed)["properties"][field];
        }
    }
}

}  // namespace converge::detail
