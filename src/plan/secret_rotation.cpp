#include "plan/secret_rotation.hpp"

#include "converge/diff.hpp"
#include "converge/graph.hpp"
#include "converge/json_pointer.hpp"
#include "converge/parallel.hpp"
#include "converge/redact.hpp"
#include "converge/secret_digest.hpp"
#include "plan/diff_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace converge::detail {

namespace {

bool create_only(const RuleTree& rules, const std::string& pointer) {
    RuleTree::Cursor at = rules.root();
    json_pointer::for_each_segment(pointer, [&](std::string_view s) { at = rules.step(at, json_pointer::unescape(s)); });
    return (at.flags & k_create_only) != 0;
}

void add_rotation(const Resource& r, secrets::Check check, Change& c, Diagnostics& diagnostics) {
    const RuleTree& rules = RuleTree::of(r.kind);
    std::vector<FieldChange> fields;
    std::string replaced;
    for (const auto& pointer : r.sensitive) {
        if (!r.body.contains(Json::json_pointer(pointer))) {
            continue;
        }
        FieldChange f;
        f.path = pointer;
        f.before = Json(k_sensitive);
        f.after = Json(k_sensitive);
        f.sensitive = true;
        f.forces_replace = create_only(rules, pointer);
        if (f.forces_replace) {
            replaced += (replaced.empty() ? "" : ", ") + dotted_path(pointer);
        }
        fields.push_back(std::move(f));
    }
    if (check == secrets::Check::unrecorded && !replaced.empty()) {
        // Never replace a resource only because an older converge did not record the digest.
        diagnostics.note(r.location, fmt::format("{}: no digest of its secret values is recorded; a change of them is "
                                                 "detected once converge writes it again (docs/secrets.md)",
                                                 resource_label(r)));
        return;
    }
    for (auto& f : fields) {
        const bool listed = std::any_of(c.fields.begin(), c.fields.end(), [&](const FieldChange& g) { return g.path == f.path; });
        if (!listed) {
            c.fields.push_back(std::move(f));
        }
    }
    const std::string why =
        check == secrets::Check::unrecorded ? "no digest of its secret values is recorded yet" : "a secret value changed";
    if (!replaced.empty()) {
        c.action = Action::replace;
        c.reason = Reason::create_only_field;
        c.reason_detail = replaced + " cannot be changed in place (" + why + ")";
    } else if (c.action == Action::noop) {
        c.action = Action::update;
        c.reason = Reason::drift;
        c.reason_detail = why;
    }
}

}  // namespace

void check_secret_rotation(const DesiredSet& desired, const std::vector<const Json*>& found, std::vector<Change>& diffs,
                           Diagnostics& diagnostics) {
    std::vector<std::size_t> checked;
    for (std::size_t i = 0; i < diffs.size(); ++i) {
        const Resource& r = desired.resources[i];
        if (found[i] == nullptr || r.kind == nullptr || r.sensitive.empty() || diffs[i].action == Action::create ||
            diffs[i].action == Action::replace || !secrets::has_secrets(r)) {
            continue;
        }
        if (!secrets::can_record(r.body, *r.kind)) {
            diagnostics.warning(r.location, fmt::format("{}: a change of its secret values is not detected (it carries no "
                                                        "tags to record their digest in; docs/secrets.md)",
                                                        resource_label(r)));
            continue;
        }
        checked.push_back(i);
    }
    if (checked.empty()) {
        return;
    }
    std::vector<secrets::Check> results(desired.resources.size(), secrets::Check::same);
    const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
    parallel_for_each(checked, threads, [&](std::size_t i) {
        const Resource& r = desired.resources[i];
        std::string material = secrets::material(r, desired.stack);
        results[i] = secrets::check(secrets::recorded(*found[i], *r.kind), material);
        std::fill(material.begin(), material.end(), '\0');
    });
    for (const std::size_t i : checked) {
        if (results[i] != secrets::Check::same) {
            add_rotation(desired.resources[i], results[i], diffs[i], diagnostics);
        }
    }
}

}  // namespace converge::detail
