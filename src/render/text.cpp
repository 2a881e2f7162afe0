#include "converge/diff.hpp"
#include "converge/render.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace converge {

namespace {

const char* symbol(Action a) {
    switch (a) {
    case Action::create: return "+";
    case Action::update: return "~";
    case Action::replace: return "-/+";
    case Action::remove: return "-";
    case Action::adopt: return "<=";
    case Action::keep: return "~";
    case Action::noop: return " ";
    }
    return " ";
}

const char* colour(Action a) {
    switch (a) {
    case Action::create: return "\x1b[32m";
    case Action::update:
    case Action::adopt:
    case Action::keep: return "\x1b[33m";
    case Action::replace:
    case Action::remove: return "\x1b[31m";
    case Action::noop: return "";
    }
    return "";
}

std::string headline(const Change& c) {
    const std::string label = change_label(c);
    switch (c.action) {
    case Action::create:
        if (c.reason == Reason::recover || c.reason == Reason::purge_soft_deleted) {
            return label + " will be " + c.reason_detail;
        }
        return label + " will be created";
    case Action::update:
        if (c.reason == Reason::failed || c.reason == Reason::unsettled) {
            return label + " " + c.reason_detail;
        }
        return label + " will be updated in-place";
    case Action::replace:
        if (c.reason == Reason::failed) {
            return label + " " + c.reason_detail;
        }
        return label + " must be replaced: " + c.reason_detail;
    case Action::remove:
        if (c.reason == Reason::holds_unowned) {  // --force-delete-contents
            return label + " will be deleted WITH WHAT IT HOLDS (--force-delete-contents): " + c.reason_detail;
        }
        return label + " will be deleted" +
               (c.reason == Reason::pruned ? " (pruned: tagged with this stack, no longer in the manifests)" : "");
    case Action::adopt: return label + " will be adopted by this stack: " + c.reason_detail;
    case Action::keep: return "keep " + label + ": " + c.reason_detail;
    case Action::noop: return label;
    }
    return label;
}

std::string field_line(const FieldChange& f, Action action) {
    const std::string path = dotted_path(f.path);
    std::string line;
    if (action == Action::create || !f.before) {
        line = "+ " + path + ": " + display_value(f.after, f.sensitive);
    } else if (!f.after) {
        line = "- " + path + ": " + display_value(f.before, f.sensitive) + " (removed)";
    } else {
        line = "~ " + path + ": " + display_value(f.before, f.sensitive) + " -> " + display_value(f.after, f.sensitive);
    }
    return f.forces_replace ? line + "  # forces replacement" : line;
}

}  // namespace

std::string change_label(const Change& c) { return resource_label(c.kind, c.id); }

std::string summary_line(const Plan& plan) {
    const bool destroy = std::any_of(plan.changes.begin(), plan.changes.end(),
                                     [](const Change& c) { return c.reason == Reason::destroy || c.reason == Reason::not_owned; });
    std::string out = destroy ? fmt::format("Destroy: {} to delete", plan.count(Action::remove))
                              : fmt::format("Plan: {} to create, {} to update, {} to replace, {} to delete",
                                            plan.count(Action::create), plan.count(Action::update),
                                            plan.count(Action::replace), plan.count(Action::remove));
    if (const std::size_t n = plan.count(Action::adopt)) {
        out += fmt::format(", {} to adopt", n);
    }
    if (const std::size_t n = plan.count(Action::keep)) {
        out += fmt::format(", {} kept", n);
    }
    return out + ".";
}

std::string orphans_text(const Plan& plan) {
    if (plan.orphans.empty()) {
        return {};
    }
    std::string out = fmt::format("\nNot in the manifests (kept; --prune deletes them): {} resource{} of this stack\n",
                                  plan.orphans.size(), plan.orphans.size() == 1 ? "" : "s");
    for (const auto& c : plan.orphans) {
        out += "    " + change_label(c) + "\n      id: " + c.id.str() + "\n";
    }
    return out;
}

std::string display_value(const std::optional<Json>& value, bool sensitive) {
    if (sensitive) {
        return std::string(k_sensitive);
    }
    if (!value) {
        return "(absent)";
    }
    return value->dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Resources without other changes whose differences ignore rules hid (docs/sync.md "Ignore rules").
static std::string ignored_text(const Plan& plan) {
    std::string out;
    for (const auto& c : plan.changes) {
        if (c.action == Action::noop && c.ignored > 0) {
            out += fmt::format("    {}: {} field{} ignored\n", change_label(c), c.ignored, c.ignored == 1 ? "" : "s");
        }
    }
    return out.empty() ? out : "\nDifferences hidden by ignore rules:\n" + out;
}

std::string render_text(const Plan& plan, const TextOptions& options) {
    if (!plan.has_changes()) {
        if (!plan.orphans.empty()) {
            return "No changes to what the manifests describe.\n" + ignored_text(plan) + orphans_text(plan);
        }
        return "No changes. Azure matches the manifests.\n" + ignored_text(plan);
    }
    std::string out = "converge will perform the following actions:\n";
    auto render_change = [&](const Change& c) {
        // `!` marks a resource Azure left Failed or unsettled (repaired by this plan).
        const bool repair = c.reason == Reason::failed || c.reason == Reason::unsettled;
        const std::string sym = repair ? (c.action == Action::replace ? "!/+" : "!") : symbol(c.action);
        const std::string pad(3 - sym.size(), ' ');
        const std::string shown = options.color ? std::string(colour(c.action)) + sym + "\x1b[0m" : sym;
        out += "\n" + pad + shown + " " + headline(c) + "\n";
        out += "      id: " + c.id.str() + "\n";
        if (c.changed_by) {
            out += "      " + attribution_text(*c.changed_by) + "\n";
        }
        if (c.ignored > 0) {
            out += fmt::format("      ({} field{} ignored)\n", c.ignored, c.ignored == 1 ? "" : "s");
        }
        for (const auto& f : c.fields) {
            out += "      " + field_line(f, c.action) + "\n";
        }
    };
    // Drift (Azure changed what converge wrote; docs/sync.md) is shown apart from the changes the
    // manifests bring; a plan without drift reads as it always did.
    const std::size_t drifted = static_cast<std::size_t>(std::count_if(
        plan.changes.begin(), plan.changes.end(), [](const Change& c) { return c.action != Action::noop && c.origin == Origin::drift; }));
    if (drifted > 0) {
        out += fmt::format("\nDrift: {} resource{} changed in Azure since converge last wrote {} (the manifests did not "
                           "change):\n",
                           drifted, drifted == 1 ? "" : "s", drifted == 1 ? "it" : "them");
        for (const auto& c : plan.changes) {
            if (c.action != Action::noop && c.origin == Origin::drift) {
                render_change(c);
            }
        }
        if (drifted < static_cast<std::size_t>(std::count_if(plan.changes.begin(), plan.changes.end(),
                                                             [](const Change& c) { return c.action != Action::noop; }))) {
            out += "\nFrom the manifests (changed since converge last wrote these, or not recorded):\n";
        }
    }
    for (const auto& c : plan.changes) {
        if (c.action == Action::noop || (drifted > 0 && c.origin == Origin::drift)) {
            continue;
        }
        render_change(c);
    }
    std::string summary = summary_line(plan);
    if (drifted > 0) {
        summary += fmt::format(" ({} drifted)", drifted);
    }
    return out + ignored_text(plan) + orphans_text(plan) + "\n" + summary + "\n";
}

}  // namespace converge
