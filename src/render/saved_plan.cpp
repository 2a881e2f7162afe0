#include "converge/saved_plan.hpp"

#include "converge/diff.hpp"
#include "converge/graph.hpp"
#include "converge/redact.hpp"
#include "converge/render.hpp"
#include "render/saved_plan_internal.hpp"

namespace converge {

namespace {

constexpr std::string_view k_format = "converge-saved-plan";
// 2: model containers are changes of the plan, and a delete's change carries the edges apply
// orders it by (a version-1 plan would apply without its containers: refused, plan again).
constexpr int k_saved_format_version = 2;

std::string label_of(const SavedPlan& saved, const ResourceId& id, const Resource** resource) {
    *resource = saved.desired.find(id);
    if (*resource) {
        return resource_label(**resource);
    }
    for (const auto& c : saved.plan.changes) {
        if (c.id == id) {
            return change_label(c);
        }
    }
    return id.str();
}

// Azure may hold a secret where the manifest does not say so: such a value is replaced, which
// at worst refuses the plan as stale later, never writes the secret.
Json observed_entry(const Change& c, const Resource* r, const ObservedState& observed, const Scrubber& scrubber) {
    const Json* body = observed.find(c.id);
    Json entry = {{"id", c.id.str()}, {"exists", body != nullptr}};
    if (body && r) {
        Json projection = observed_projection(*r, *body);
        scrubber.scrub(projection);
        entry["projection"] = std::move(projection);
    }
    return entry;
}

Json inputs_json(const PlanInputs& in, const Scrubber& scrubber) {
    Json vars = Json::array();
    Json withheld = Json(in.withheld_vars);
    for (const auto& [name, value] : in.vars) {
        if (scrubber.contains(value)) {
            withheld.push_back(name);
        } else {
            vars.push_back({{"name", name}, {"value", value}});
        }
    }
    return {{"paths", in.paths},
            {"values_files", in.values_files},
            {"vars", std::move(vars)},
            {"withheld_vars", std::move(withheld)},
            {"subscription", in.subscription},
            {"arm_endpoint", in.arm_endpoint},
            {"authority_host", in.authority_host},
            {"emulator", in.emulator}};
}

// Files written before inputs were recorded have none: apply then needs the paths again.
PlanInputs inputs_from(const Json& j) {
    PlanInputs in;
    if (!j.is_object()) {
        return in;
    }
    in.paths = j.value("paths", std::vector<std::string>());
    in.values_files = j.value("values_files", std::vector<std::string>());
    in.withheld_vars = j.value("withheld_vars", std::vector<std::string>());
    in.subscription = j.value("subscription", "");
    in.arm_endpoint = j.value("arm_endpoint", "");
    in.authority_host = j.value("authority_host", "");
    in.emulator = j.value("emulator", false);
    for (const auto& v : j.value("vars", Json::array())) {
        in.vars.emplace_back(v.at("name").get<std::string>(), v.at("value").get<std::string>());
    }
    return in;
}

SavedPlan parse(const Json& j) {
    SavedPlan saved;
    std::string error;
    auto plan = plan_from_json(j.at("plan"), error);
    if (!plan) {
        throw std::runtime_error(error);
    }
    saved.plan = std::move(*plan);
    saved.desired.stack = j.at("stack").get<std::string>();
    saved.inputs_digest = j.at("inputs_digest").get<std::string>();
    for (const auto& r : j.at("resources")) {
        saved.desired.resources.push_back(detail::resource_from_json(r));
    }
    for (const auto& o : j.at("observed")) {
        auto id = ResourceId::parse(o.at("id").get<std::string>());
        if (!id) {
            throw std::runtime_error("not an ARM id in observed");
        }
        saved.observed[*id] = o.at("exists").get<bool>() ? std::optional<Json>(o.value("projection", Json::object()))
                                                         : std::nullopt;
    }
    for (const auto& s : j.at("secrets")) {
        auto id = ResourceId::parse(s.at("id").get<std::string>());
        if (!id) {
            throw std::runtime_error("not an ARM id in secrets");
        }
        saved.secrets.push_back({*id, s.at("pointer").get<std::string>()});
    }
    saved.inputs = inputs_from(j.value("inputs", Json()));
    return saved;
}

}  // namespace

std::string save_plan(const Plan& plan, const DesiredSet& desired, const ObservedState& observed,
                      const PlanInputs& inputs) {
    Json resources = Json::array();
    Json observed_json = Json::array();
    Json secrets = Json::array();
    const Scrubber scrubber(desired.secret_values);
    for (const auto& c : plan.changes) {
        if (c.action == Action::noop) {
            continue;
        }
        const Resource* r = desired.find(c.id);
        if (r && c.action != Action::remove) {
            std::vector<std::string> removed;
            resources.push_back(detail::resource_to_json(*r, detail::body_without_secrets(*r, scrubber, removed)));
            for (const auto& p : removed) {
                secrets.push_back({{"id", r->id.str()}, {"pointer", p}});
            }
        }
        observed_json.push_back(observed_entry(c, r, observed, scrubber));
    }
    Json doc = {{"format", k_format},
                {"format_version", k_saved_format_version},
                {"stack", desired.stack},
                {"inputs_digest", desired_digest(desired)},
                {"inputs", inputs_json(inputs, scrubber)},
                {"plan", plan_to_json(plan)},
                {"resources", std::move(resources)},
                {"secrets", std::move(secrets)},
                {"observed", std::move(observed_json)}};
    return doc.dump(2) + "\n";
}

LoadedPlan load_saved_plan(std::string_view text, const std::string& file) {
    LoadedPlan out;
    const Location where{file, 0, 0};
    const Json j = Json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        out.diagnostics.error(where, "not a saved plan: the file is not JSON");
        return out;
    }
    if (j.value("format", "") != k_format) {
        out.diagnostics.error(where, "not a saved plan (expected \"format\": \"converge-saved-plan\"; "
                                     "write one with `converge plan -o FILE`)");
        return out;
    }
    if (j.value("format_version", 0) != k_saved_format_version) {
        out.diagnostics.error(where, "unsupported saved plan format_version " + j.value("format_version", Json()).dump() +
                                         " (this converge reads " + std::to_string(k_saved_format_version) + "; run `converge plan` again)");
        return out;
    }
    try {
        out.saved = parse(j);
    } catch (const std::exception& e) {
        out.diagnostics.error(where, std::string("malformed saved plan: ") + e.what());
    }
    return out;
}

Diagnostics check_still_valid(const SavedPlan& saved, const ObservedState& now) {
    Diagnostics diags;
    const Scrubber scrubber(saved.desired.secret_values);
    for (const auto& [id, then] : saved.observed) {
        const Resource* r = nullptr;
        const std::string label = label_of(saved, id, &r);
        const Location where = r ? r->location : Location{};
        const Json* current = now.find(id);
        if (!then && current) {
            diags.error(where, label + " was created since the plan was saved; run `converge plan` again");
        } else if (then && !current) {
            diags.error(where, label + " was deleted since the plan was saved; run `converge plan` again");
        } else if (then && current && r) {
            Json seen = *current;  // compared as saved: secret-bearing values scrubbed alike
            scrubber.scrub(seen);
            for (const auto& path : projection_drift(*r, *then, seen)) {
                diags.error(where, label + ": " + dotted_path(path) +
                                       " changed since the plan was saved; run `converge plan` again");
            }
        }
    }
    return diags;
}

Diagnostics restore_secrets(SavedPlan& saved, const DesiredSet& fresh) {
    Diagnostics diags;
    if (desired_digest(fresh) != saved.inputs_digest) {
        diags.error({}, "the manifests changed since the plan was saved; run `converge plan` again");
        return diags;
    }
    for (const auto& s : saved.secrets) {
        const Resource* from = fresh.find(s.id);
        Resource* to = nullptr;
        for (auto& r : saved.desired.resources) {
            to = r.id == s.id ? &r : to;
        }
        const Json::json_pointer ptr(s.pointer);
        if (!from || !to || !from->body.contains(ptr)) {
            diags.error(from ? from->location : Location{},
                        "the manifests no longer provide the secret at " + dotted_path(s.pointer) + " of " + s.id.str());
            continue;
        }
        to->body[ptr] = from->body.at(ptr);
    }
    saved.desired.secret_values = fresh.secret_values;
    return diags;
}

}  // namespace converge
