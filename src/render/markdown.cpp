#include "converge/diff.hpp"
#include "converge/render.hpp"

#include <fmt/format.h>

namespace converge {

namespace {

const char* verb(Action a) {
    switch (a) {
    case Action::create: return "+ create";
    case Action::update: return "~ update";
    case Action::replace: return "-/+ replace";
    case Action::remove: return "- delete";
    case Action::adopt: return "<= adopt";
    case Action::keep: return "~ keep";
    case Action::noop: return "no-op";
    }
    return "";
}

std::string why(const Change& c) {
    if (!c.reason_detail.empty()) {
        return c.reason_detail;
    }
    switch (c.reason) {
    case Reason::absent: return "not found in Azure";
    case Reason::drift: return fmt::format("{} field(s) differ", c.fields.size());
    case Reason::pruned: return "no longer in the manifests (tagged with this stack)";
    case Reason::destroy: return "destroy";
    default: return "";
    }
}

std::string details(const Change& c) {
    std::string out = fmt::format("<details><summary>{} <code>{}</code></summary>\n\n", verb(c.action), change_label(c));
    out += "`" + c.id.str() + "`\n\n";
    if (!c.fields.empty()) {
        out += "```diff\n";
        for (const auto& f : c.fields) {
            const std::string path = dotted_path(f.path);
            if (c.action == Action::create || !f.before) {
                out += "+ " + path + ": " + display_value(f.after, f.sensitive);
            } else if (!f.after) {
                out += "- " + path + ": " + display_value(f.before, f.sensitive);
            } else {
                out += "! " + path + ": " + display_value(f.before, f.sensitive) + " -> " +
                       display_value(f.after, f.sensitive);
            }
            out += f.forces_replace ? "  # forces replacement\n" : "\n";
        }
        out += "```\n\n";
    }
    return out + "</details>\n\n";
}

// Appends pieces while they fit in the budget; the first that does not ends the output.
class Budget {
public:
    explicit Budget(std::size_t limit) : m_limit(limit) {}
    bool add(const std::string& piece) {
        if (m_full || m_out.size() + piece.size() > m_limit) {
            m_full = true;
            return false;
        }
        m_out += piece;
        return true;
    }
    bool full() const { return m_full; }
    std::string& text() { return m_out; }

private:
    std::size_t m_limit;
    bool m_full = false;
    std::string m_out;
};

}  // namespace

std::string orphans_markdown(const Plan& plan) {
    if (plan.orphans.empty()) {
        return {};
    }
    std::string out = fmt::format("**Not in the manifests** (kept; `--prune` deletes them): {} resource{} of this stack\n\n",
                                  plan.orphans.size(), plan.orphans.size() == 1 ? "" : "s");
    for (const auto& c : plan.orphans) {
        out += "- `" + change_label(c) + "`\n";
    }
    return out + "\n";
}

std::string render_markdown(const Plan& plan, std::size_t limit) {
    return render_markdown(plan, PlanHeader{}, "", limit);
}

std::string render_markdown(const Plan& plan, const PlanHeader& header, const std::string& environment,
                            std::size_t limit) {
    std::string head = "### converge plan";
    std::vector<std::string> names;
    if (!header.stack.empty()) {
        names.push_back("stack `" + header.stack + "`");
    }
    if (!header.subscriptions.empty()) {
        std::string subs;
        for (const auto& s : header.subscriptions) {
            subs += (subs.empty() ? "`" : ", `") + s + "`";
        }
        names.push_back((header.subscriptions.size() == 1 ? "subscription " : "subscriptions ") + subs);
    }
    if (!environment.empty()) {
        names.push_back("environment `" + environment + "`");
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        head += (i == 0 ? ": " : " · ") + names[i];
    }
    head += "\n\n";
    if (!plan.has_changes()) {
        if (!plan.orphans.empty()) {
            return head + "**No changes** to what the manifests describe.\n\n" + orphans_markdown(plan);
        }
        return head + "**No changes.** Azure matches the manifests.\n";
    }
    const std::size_t total = plan.changes.size() - plan.count(Action::noop);
    const std::string note_template = "\n---\n_Truncated to stay under {} characters: {} of {} changes are detailed "
                                      "here. Run `converge plan --output json` for the full plan._\n";
    const std::size_t reserve = note_template.size() + 40;
    Budget b(limit > reserve ? limit - reserve : 0);
    b.add(head + "**" + summary_line(plan) + "**\n\n");
    if (plan.destructive()) {
        b.add("> [!WARNING]\n> This plan deletes or replaces resources:\n");
        for (const auto& c : plan.changes) {
            if (c.action == Action::remove || c.action == Action::replace) {
                b.add(fmt::format("> - **{}** `{}`: {}\n", action_name(c.action), change_label(c), why(c)));
            }
        }
        b.add("\n");
    }
    std::string drift;  // docs/sync.md: Azure changed what converge wrote, apart from the manifests' changes
    std::size_t drifted = 0;
    for (const auto& c : plan.changes) {
        if (c.action == Action::noop || c.origin != Origin::drift) {
            continue;
        }
        ++drifted;
        std::string fields;
        for (const auto& f : c.fields) {
            fields += (fields.empty() ? "" : ", ") + dotted_path(f.path);
        }
        drift += "- `" + change_label(c) + "`: " + fields + (c.changed_by ? " (" + attribution_text(*c.changed_by) + ")" : "") +
                 "\n";
    }
    if (drifted > 0) {
        b.add(fmt::format("**Drift**: {} resource{} changed in Azure since converge last wrote {} (the manifests did not "
                          "change):\n\n",
                          drifted, drifted == 1 ? "" : "s", drifted == 1 ? "it" : "them") +
              drift + "\n");
    }
    b.add("| Action | Resource | Reason |\n|---|---|---|\n");
    for (const auto& c : plan.changes) {
        if (c.action != Action::noop) {
            b.add(fmt::format("| {} | `{}` | {} |\n", verb(c.action), change_label(c), why(c)));
        }
    }
    b.add("\n");
    b.add(orphans_markdown(plan));
    std::size_t detailed = 0;
    for (const auto& c : plan.changes) {
        if (c.action != Action::noop && b.add(details(c))) {
            ++detailed;
        }
    }
    std::string out = std::move(b.text());
    if (b.full()) {
        out += fmt::format(fmt::runtime(note_template), limit, detailed, total);
    }
    return out;
}

}  // namespace converge
