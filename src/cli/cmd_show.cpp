// `converge show DIR [-o table|json|yaml]`: the current state of every resource the stack
// declares or owns: present or missing, provisioningState, drift (the differ plan uses), owner.
#include "cli/stack.hpp"
#include "cli/table.hpp"

#include "converge/diff.hpp"
#include "converge/ownership.hpp"
#include "converge/yaml_emit.hpp"

#include <cstdio>
#include <memory>
#include <unordered_set>

namespace converge::cli {

namespace {

struct ShowCommand {
    StackOptions stack;
    std::string output = "table";
};

struct Row {
    std::string label;
    std::string kind;
    ResourceId id;
    bool present = false;
    bool declared = true;
    std::string state;  ///< provisioningState ("" when missing)
    std::string drift;  ///< "", "~", "-/+" (the action the differ gives)
    std::vector<std::string> fields;  ///< drifted fields, dotted
    std::string owner;
};

std::string owner_text(const Json& body, const std::string& stack, TagsAt where) {
    const auto o = ownership::owner_of(body, stack, where);
    switch (o.owner) {
    case ownership::Owner::this_stack: return "this stack";
    case ownership::Owner::other_stack: return "stack " + o.stack;
    case ownership::Owner::untagged: return "untagged";
    case ownership::Owner::no_tags: return "-";
    }
    return "";
}

// Observe keeps a provisioningState only when it is not Succeeded (docs/plan.md "What observe keeps").
std::string state_of(const Json& body) {
    const std::string s = body.contains("properties") ? string_field(body["properties"], "provisioningState") : "";
    return s.empty() ? "Succeeded" : s;
}

Json to_json(const Row& r) {
    Json fields = Json::array();
    for (const auto& f : r.fields) {
        fields.push_back(f);
    }
    return {{"kind", r.kind},
            {"name", r.label},
            {"id", r.id.str()},
            {"status", r.present ? "present" : "missing"},
            {"inManifests", r.declared},
            {"provisioningState", r.present ? Json(r.state) : Json()},
            {"drift", r.drift.empty() ? Json() : Json(r.drift == "~" ? "update" : "replace")},
            {"driftFields", fields},
            {"owner", r.owner}};
}

int run_show(const ShowCommand& cmd, const GlobalOptions& global) {
    auto stack = Stack::open(cmd.stack, global);
    if (!stack) {
        return k_exit_error;
    }
    auto observed = stack->observe(true);
    if (!observed) {
        return k_exit_error;
    }
    const DesiredSet& desired = stack->desired();
    const Scrubber scrub = Scrubber::for_desired(desired);
    std::vector<Row> rows;
    std::unordered_set<ResourceId> declared;
    for (const auto& r : desired.resources) {
        declared.insert(r.id);
        Row row{resource_label(r.kind->name, r.id), std::string(r.kind->name), r.id};
        const Json* body = observed->find(r.id);
        row.present = body != nullptr;
        if (body != nullptr) {
            row.state = state_of(*body);
            row.owner = owner_text(*body, desired.stack, r.kind->tags);
            const Change change = diff_resource(r, body);
            if (change.action == Action::update || change.action == Action::replace) {
                row.drift = change.action == Action::update ? "~" : "-/+";
                for (const auto& f : change.fields) {
                    row.fields.push_back(scrub(dotted_path(f.path)));
                }
            }
        }
        rows.push_back(std::move(row));
    }
    // What the stack owns that no manifest names any more.
    std::vector<Row> orphans;
    for (const auto& [id, body] : observed->resources) {
        const KindInfo* kind = id.is_resource_group() ? find_kind("ResourceGroup") : find_kind_by_type(id.type());
        if (kind == nullptr || declared.count(id) != 0 || !ownership::owned(body, desired.stack, *kind)) {
            continue;
        }
        Row row{resource_label(kind->name, id), std::string(kind->name), id, true, false, state_of(body)};
        row.owner = "this stack";
        orphans.push_back(std::move(row));
    }
    std::sort(orphans.begin(), orphans.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
    rows.insert(rows.end(), orphans.begin(), orphans.end());

    if (cmd.output == "table") {
        std::vector<std::vector<std::string>> cells;
        for (const auto& r : rows) {
            std::string drift = r.drift;
            if (!r.fields.empty()) {
                drift += " " + r.fields.front() + (r.fields.size() > 1 ? " (+" + std::to_string(r.fields.size() - 1) + ")" : "");
            }
            cells.push_back({r.label, r.present ? (r.declared ? "present" : "not in manifests") : "missing",
                             r.present ? r.state : "-", drift, r.present ? r.owner : "-"});
        }
        std::fputs(render_table({"RESOURCE", "STATUS", "STATE", "DRIFT", "OWNER"}, cells, terminal_width()).c_str(), stdout);
        return k_exit_ok;
    }
    Json out = {{"stack", desired.stack}, {"resources", Json::array()}};
    for (const auto& r : rows) {
        out["resources"].push_back(to_json(r));
    }
    if (cmd.output == "json") {
        std::printf("%s\n", scrub(out.dump(2)).c_str());
    } else {
        std::fputs(scrub(emit_yaml(out)).c_str(), stdout);
    }
    return k_exit_ok;
}

}  // namespace

void register_show(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<ShowCommand>();
    auto* sub = app.add_subcommand("show", "Current state of every resource the stack declares or owns (never writes)");
    add_stack_options(*sub, cmd->stack, false);
    sub->add_option("-o,--output", cmd->output, "Output format")
        ->check(CLI::IsMember({"table", "json", "yaml"}))
        ->capture_default_str();
    sub->callback([cmd, &global, &exit_code] { exit_code = run_show(*cmd, global); });
}

}  // namespace converge::cli
